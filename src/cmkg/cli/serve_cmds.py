"""Verbs of cmkg (filled in by its feature's work)."""
