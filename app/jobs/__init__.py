"""Exports and reports built in the background, downloaded when ready, removed when old."""
