"""pytest fixtures: remote (registered in tests/conftest.py)."""
