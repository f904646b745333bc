"""Running a service: moving people, workers who leave, numbers, retention, health, operations."""
