"""pytest fixtures: browser (registered in tests/conftest.py)."""
