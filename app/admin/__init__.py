"""Administrators: sign in, watch campaigns, change their status, download exports."""
