"""Baseline servers for bench/run: the framework's ceiling, measured beside Parley."""
