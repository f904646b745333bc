"""A person prepares their meeting: the dialogue and its engine, the flow, the brief, the
logbook."""
