"""pytest fixtures: server (registered in tests/conftest.py)."""
