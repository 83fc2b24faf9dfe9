"""Membership: who is a member on a date, applications, dues and the trust's bylaw settings."""
