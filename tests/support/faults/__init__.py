"""The fault tier's input and its judge: a seeded log of events with duplicates and hostile ones, and
the oracle that folds it with the same pure rules."""
