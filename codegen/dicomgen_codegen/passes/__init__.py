"""Ordered passes over the IR (include resolution, errata, naming, checks)."""
