"""Reports read a RunResult and never recompute a score."""
