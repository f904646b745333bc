"""The worker's voice and what was agreed: topics before a meeting, agreements after it."""
