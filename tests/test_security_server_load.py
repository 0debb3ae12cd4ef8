"""Issue 9, requirement 8: a small load test against a real ``cmkg serve`` has no errors.

No timings are asserted (they are reported by ``make bench`` in build/bench/load.json);
this checks that concurrent clients get every cheap answer and that the pathological
queries mixed in are stopped with 503, while the others are still served.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.load_test import run

pytestmark = pytest.mark.server


def test_small_load_test_has_no_errors(tmp_path: Path) -> None:
    result = run(tmp_path, clients=6, requests=30, timeout=5.0)
    assert result["errors"] == 0, (result["baseline"]["error_examples"], result["with_pathological"]["error_examples"])
    assert result["baseline"]["cheap_requests"] == 6 * 30
    mixed = result["with_pathological"]
    assert mixed["pathological_stopped"] == 2  # clients 0 and 4 each sent one, both got 503
    assert mixed["cheap_requests"] == 6 * 30 - 2
    written = json.loads((tmp_path / "load.json").read_text())
    assert written == result and {"p50_ms", "p95_ms", "p99_ms", "throughput_per_s"} <= set(mixed)
