"""Participatory budgeting: the rules that fund projects from ballots, and the Pabulib .pb format."""
