"""Escale: a Telegram bot that helps a person prepare each meeting with their social worker."""
