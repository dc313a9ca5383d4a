"""Retention and participants' rights: purge what has expired, delete one participant's data."""
