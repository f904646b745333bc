"""Messages that must arrive: queued with their cause, sent once with retries, failures told."""
