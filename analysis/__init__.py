"""Parley analysis (work in progress)."""
