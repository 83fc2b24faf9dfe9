"""Membership, the board, meetings and elections (arrives with the governance issue)."""
