"""Local server processes for the benchmark and the tests: a free port, a start that waits, a stop by pid.

Shared by ``bench/`` (the load test, the Oxigraph server engine) and the test suite's
fixtures (``tests/plugins``), so that every server is started and stopped the same way.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_port", "stop_process", "oxigraph_cli", "cmkg_serve"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM by pid, then SIGKILL if it has not ended within ``grace`` seconds."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


def oxigraph_cli() -> str:
    """The ``oxigraph`` server binary of this environment (from the ``oxigraph`` PyPI package)."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server binary is missing: pip install oxigraph")
    return found


@contextmanager
def cmkg_serve(args: Sequence[str], log: Path, wait: float = 120.0) -> Iterator[str]:
    """Run ``cmkg serve --port FREE ARGS…`` until it answers; yield its URL (``http://127.0.0.1:PORT/``); stop it by its pid."""
    import httpx

    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cmkg", "serve", "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + wait
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cmkg serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"cmkg serve did not answer within {wait:.0f} s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)
