"""The query verbs as a user runs them: queries, query, sparql, describe, publish."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cmkg.cli import main


@pytest.fixture()
def run(capsys, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """Run ``cmkg ARGS`` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_queries_lists_the_catalogue_with_parameters(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("queries", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_name = {r["name"]: r for r in rows}
    assert len(rows) >= 25
    assert by_name["practices-in-city"]["parameters"] == "city:literal=Toronto"


def test_queries_filters_by_tag(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("queries", "--tag", "diffusion")
    assert code == 0 and "inspiration-chains" in out and "practices-in-city" not in out
    code, _, err = run("queries", "--tag", "nope")
    assert code == 1 and "no query has the tag 'nope'" in err


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "md", "table"])
def test_query_in_every_format(run, fmt: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("query", "practices-in-city", "-p", "city=Toronto", "--format", fmt)
    assert code == 0, err
    if fmt == "csv":
        assert out.splitlines()[0] == "practice,label,type,lead,start"
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["head"]["vars"] == ["practice", "label", "type", "lead", "start"]
        assert all(b["practice"]["type"] == "uri" for b in doc["results"]["bindings"])
    elif fmt == "tsv":
        assert out.splitlines()[0] == "?practice\t?label\t?type\t?lead\t?start"
    elif fmt == "md":
        assert out.startswith("| practice | label |")


def test_query_limit_and_examples(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("query", "cities-by-gateway-type", "--examples", "--format", "csv", "--limit", "2")
    assert code == 0
    assert len(out.splitlines()) == 3
    assert "showing 2 of" in err


def test_query_show_prints_text_and_bound_terms(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("query", "practices-in-city", "-p", "city=Toronto", "--show")
    assert code == 0 and '?_city = "Toronto"' in out and "SELECT" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (("query", "practises-in-city"), "no named query 'practises-in-city'; did you mean practices-in-city"),
        (("query", "practices-in-city"), "needs parameter 'city' (e.g. -p city=Toronto)"),
        (("query", "practices-in-city", "-p", "town=Toronto"), "has no parameter 'town'"),
        (("query", "practices-in-city", "-p", "Toronto"), "is not key=value"),
        (("query", "practices-started-in-decade", "-p", "decade=nineties"), "is not a valid integer"),
        (("query", "describe-resource", "-p", "resource=not an iri"), "is not an absolute IRI"),
        (("sparql", "SELECT ?s\nWHERE { ?s ?p }"), "SPARQL syntax error at line 2, column"),
        (("sparql", "DROP ALL"), "updates"),
        (("query", "practices-in-city", "--examples", "--format", "xml"), "--format 'xml'"),
        (("describe", "Toronot"), "did you mean Toronto"),
    ],
)
def test_user_mistakes_are_one_sentence(run, args, message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*args)
    assert code != 0
    assert message in " ".join(err.split())
    assert "Traceback" not in err and out == ""


def test_sparql_from_a_file_and_ask(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "q.rq"
    f.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/cmkg/ontology#City> }", encoding="utf-8")
    code, out, _ = run("sparql", "-f", str(f), "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "n" and int(out.splitlines()[1]) > 5
    code, out, _ = run("sparql", "ASK { ?s ?p ?o }")
    assert code == 0 and out.strip() == "true"


def test_sparql_construct_prints_turtle(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("sparql", "CONSTRUCT WHERE { <https://w3id.org/cmkg/id/city/toronto> ?p ?o }")
    assert code == 0 and "Toronto" in out and "@prefix" in out


def test_describe_prints_both_directions(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("describe", "toronto")
    assert code == 0
    assert "https://w3id.org/cmkg/id/city/toronto" in out
    assert "statements about it" in out and "statements pointing at it" in out


def test_query_against_the_remote_store(run, remote_kg, oxigraph_server, kg) -> None:  # type: ignore[no-untyped-def]
    code, remote, err = run("query", "practices-in-city", "-p", "city=Toronto", "--format", "csv", "--endpoint", oxigraph_server.query_url)
    assert code == 0, err
    _, local, _ = run("query", "practices-in-city", "-p", "city=Toronto", "--format", "csv")
    assert sorted(remote.splitlines()) == sorted(local.splitlines())


def test_unreachable_endpoint_exits_non_zero(run) -> None:  # type: ignore[no-untyped-def]
    from plugins.remote import free_port

    code, _, err = run("sparql", "ASK { ?s ?p ?o }", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--timeout", "3")
    assert code == 1 and "cannot reach the endpoint" in err


from cmkg.catalogue import Catalogue  # noqa: E402

ALL_QUERIES = sorted(Catalogue.load())


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_every_catalogue_question_answers_in_csv_from_the_remote_store(run, remote_kg, oxigraph_server, example_result, name: str) -> None:  # type: ignore[no-untyped-def]
    from cmkg.results import ResultTable

    code, out, err = run("query", name, "--examples", "--format", "csv", "--endpoint", oxigraph_server.query_url)
    q = Catalogue.load()[name]
    local = example_result(name)
    if q.kind == "check" and isinstance(local, ResultTable) and len(local):
        assert code == 1  # a check that finds violations fails, as in `cmkg validate`
    else:
        assert code == 0, err
    if isinstance(local, ResultTable):
        rows = list(csv.reader(io.StringIO(out)))
        assert tuple(rows[0]) == local.columns and len(rows) == len(local) + 1
    elif isinstance(local, bool):
        assert out.strip() == str(local).lower()
    else:  # a graph: one CSV row per triple
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["subject", "predicate", "object"] and len(rows) == len(local) + 1


def test_empty_answer_to_a_name_points_at_label_search(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("query", "practices-in-city", "-p", "city=Toront", "--format", "csv")
    assert code == 0 and out.splitlines() == ["practice,label,type,lead,start"]
    assert "cmkg query label-search -p text='Toront'" in " ".join(err.split())
