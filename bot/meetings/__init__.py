"""Meetings and reminders: set, move, cancel, coming or not; dates as people type them."""
