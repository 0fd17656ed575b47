"""Scheduled work: the APScheduler jobs, and the leadership that lets exactly one process run them."""
