"""The parse cache (cmkg.parsecache): a second load reads the kept parse, and nothing stale or foreign is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cmkg import loading, parsecache

TTL = "@prefix : <urn:ex:> .\n:a :p :b ; :label \"A\"@en .\n"


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CMKG_CACHE_DIR", str(folder))
    return folder


def _data(tmp_path: Path, text: str = TTL) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(text, encoding="utf-8")
    return path


def _quads(ds: object) -> list:
    return sorted(ds.quads((None, None, None, None)))  # type: ignore[attr-defined]


def _no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(paths: list[Path]) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(loading, "_parse_all", refuse)


def test_second_load_reads_the_kept_parse(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _data(tmp_path)
    first = loading.load_dataset([path])
    assert len(list(cache.glob("*.pickle"))) == 1
    _no_parse(monkeypatch)
    second = loading.load_dataset([path])
    assert _quads(second) == _quads(first) and len(second) == 2
    assert dict(second.namespaces())["cmo"] == dict(first.namespaces())["cmo"]


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    path = _data(tmp_path)
    loading.load_dataset([path])
    path.write_text(TTL + ":c :p :d .\n", encoding="utf-8")
    assert len(loading.load_dataset([path])) == 3


def test_the_curated_graph_is_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = loading.load_dataset()
    _no_parse(monkeypatch)
    assert len(loading.load_dataset()) == len(first) > 5000


@pytest.mark.parametrize("damage", ["garbage", "world-writable", "other key"])
def test_a_damaged_or_foreign_file_is_not_read(cache: Path, tmp_path: Path, damage: str) -> None:
    path = _data(tmp_path)
    loading.load_dataset([path])
    [kept] = cache.glob("*.pickle")
    if damage == "garbage":
        kept.write_bytes(b"not a pickle")
    elif damage == "world-writable":
        os.chmod(kept, 0o666)
    else:
        import pickle

        kept.write_bytes(pickle.dumps(("another key", object())))
    assert parsecache.read(kept.stem) is None
    assert len(loading.load_dataset([path])) == 2  # parsed again


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMKG_CACHE_DIR", "off")
    assert parsecache.cache_dir() is None
    assert parsecache.key([_data(tmp_path)]) is None
    assert len(loading.load_dataset([_data(tmp_path)])) == 2


def test_large_inputs_are_not_kept(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsecache, "MAX_BYTES", 10)
    loading.load_dataset([_data(tmp_path)])
    assert not (cache.exists() and list(cache.glob("*.pickle")))


def test_an_unwritable_folder_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CMKG_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    assert len(loading.load_dataset([_data(tmp_path)])) == 2


def test_a_parse_error_still_names_the_file(cache: Path, tmp_path: Path) -> None:
    from cmkg.errors import DataFileError

    path = _data(tmp_path, "@prefix : <urn:ex:> .\n:a :p .\n")
    with pytest.raises(DataFileError, match=r"data\.ttl:2"):
        loading.load_dataset([path])
    assert not (cache.exists() and list(cache.glob("*.pickle")))
