"""The README is the front door: every verb it should mention, it mentions (datasette's test_docs)."""

from __future__ import annotations

import re

from cmkg.cli.app import app

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_verb_is_in_the_readme() -> None:
    verbs = [c.name for c in app.registered_commands]
    missing = [v for v in verbs if not re.search(rf"cmkg {re.escape(str(v))}\b", README)]
    assert not missing, f"verbs not documented in README.md: {missing}"


def test_no_section_is_left_in_progress() -> None:
    assert "(in progress)" not in README
