"""Joining and accounts: invitations, consent, roles, the staff's commands, a person's own data."""
