"""Campaigns: create one from a survey folder, open, pause and close it."""
