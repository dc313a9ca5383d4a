"""The argument exchange: participants write, read and rate each other\x27s arguments (issue 21)."""
