"""Training mode: the replay clock and feeder, scenario export, and the bundled scenarios."""
