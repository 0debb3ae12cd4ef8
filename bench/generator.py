"""A deterministic generator of synthetic graphs shaped like the curated one.

Cities in countries, practices with lead organisations and partners, policy
areas, target groups, recommendations they exemplify, inspiration links between
practices, people, sources and sourced figures, every resource with one English
label. Degrees are skewed the way real data is (a few cities and organisations
carry many practices), and the same ``seed`` always gives the same bytes.

The concepts (policy areas, practice types, …) are the real ones of
``ontology/schemes/``, so the catalogue's joins over labels work; the first
cities, countries, organisations and practices reuse the IRIs and labels of the
curated graph (Toronto in Canada first), so a catalogue query run with its
example parameters finds what it looks for on a synthetic graph too. At small
sizes the output conforms to the SHACL shapes of ``ontology/shapes.ttl``.

Output is N-Triples, the fastest format to write and to parse.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Anchors", "generate", "write_graph", "curated_anchors", "triples_per_practice"]

ID = "https://w3id.org/cmkg/id/"
CMO = "https://w3id.org/cmkg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
DESC = "<http://purl.org/dc/terms/description>"
TITLE = "<http://purl.org/dc/terms/title>"
ISSUED = "<http://purl.org/dc/terms/issued>"
PART_OF = "<http://purl.org/dc/terms/isPartOf>"
LAT = "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>"
LONG = "<http://www.w3.org/2003/01/geo/wgs84_pos#long>"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Syllables for pronounceable, clearly synthetic names.
_SYL = ("ar", "bel", "cor", "da", "el", "fen", "gar", "hol", "is", "ka", "lun", "mar", "nor", "os", "per", "ri", "sal", "tor", "ul", "ven", "wes", "yor", "zan")
_PRACTICE_KINDS = ("Welcome Centre", "Mentoring Programme", "Newcomer Network", "Language Café", "Civic Academy", "Jobs Bridge", "Neighbourhood Table", "Credential Clinic", "Youth Forum", "Business Hub")
_ORG_KINDS = ("Foundation", "Council", "Settlement Services", "Chamber of Commerce", "Library", "Community Trust", "University", "City Department")
_QUALIFIERS = ("exact", "approximately", "more than", "at least", "nearly", "less than", "up to")


def _iri(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def _cmo(name: str) -> str:
    return f"<{CMO}{name}>"


def _lit(text: str, lang: str | None = "en") -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"@{lang}' if lang else f'"{body}"'


def _typed(value: object, dt: str) -> str:
    return f'"{value}"^^<{XSD}{dt}>'


@dataclass(frozen=True)
class Anchors:
    """Real names the generator reuses first, and the concepts it links to (IRIs in ``<…>``)."""

    cities: tuple[tuple[str, str, str], ...]  # (city IRI, label, country IRI)
    countries: tuple[tuple[str, str], ...]
    organisations: tuple[tuple[str, str], ...]
    practices: tuple[tuple[str, str], ...]
    concepts: dict[str, tuple[str, ...]]  # class local name -> concept IRIs


def curated_anchors() -> Anchors:
    """Names and concepts from the ontology and the curated graph (sorted, so the output is stable)."""
    from cmkg.kg import KnowledgeGraph

    kg = KnowledgeGraph.load()

    def rows(text: str) -> list[tuple[str, ...]]:
        t = kg.select("PREFIX cmo: <" + CMO + "> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + text)
        return sorted(tuple(str(c) for c in r) for r in t.rows)

    countries = rows("SELECT ?c ?l WHERE { ?c a cmo:Country ; rdfs:label ?l }")
    cities = rows(
        "SELECT ?c ?l (MIN(?k) AS ?country) WHERE { ?c a cmo:City ; rdfs:label ?l ; cmo:locatedIn+ ?k . ?k a cmo:Country } GROUP BY ?c ?l"
    )
    # Toronto first: it is the example of many catalogue queries.
    cities.sort(key=lambda r: (r[1] != "Toronto", r[0]))
    if not any(r[1] == "Toronto" for r in cities):
        cities.insert(0, (ID + "city/toronto", "Toronto", ID + "country/canada"))
        if not any(r[0] == ID + "country/canada" for r in countries):
            countries.insert(0, (ID + "country/canada", "Canada"))
    orgs = rows("SELECT ?o ?l WHERE { ?o a cmo:Organisation ; rdfs:label ?l }")
    practices = rows("SELECT ?p ?l WHERE { ?p a cmo:Practice ; rdfs:label ?l }")
    concepts: dict[str, tuple[str, ...]] = {}
    for cls in ("PolicyArea", "TargetGroup", "PracticeType", "OrganisationType", "GatewayType", "Status", "Unit", "Audience"):
        concepts[cls] = tuple(f"<{r[0]}>" for r in rows(f"SELECT DISTINCT ?c WHERE {{ ?c a cmo:{cls} }}"))
        if not concepts[cls]:
            raise RuntimeError(f"the ontology has no cmo:{cls} concepts; the generator needs them")
    w = lambda r: tuple(f"<{x}>" if x.startswith("http") else x for x in r)  # noqa: E731
    return Anchors(
        cities=tuple((f"<{a}>", b, f"<{c}>") for a, b, c in cities),
        countries=tuple(w(r) for r in countries),  # type: ignore[misc]
        organisations=tuple(w(r) for r in orgs),  # type: ignore[misc]
        practices=tuple(w(r) for r in practices),  # type: ignore[misc]
        concepts=concepts,
    )


def triples_per_practice() -> float:
    """Average triples the generator writes per practice, everything around it included (measured)."""
    # practice ~16; per practice also 0.1 city (8), 0.5 organisation (4.2), 0.25 person (4),
    # 0.33 statistic (8), 0.05 section (4), recommendations and countries (fixed)
    return 21.9


class _Zipf:
    """Draws indices 0..n-1 with weight 1/(i+1)^s: a few popular, a long tail."""

    def __init__(self, n: int, s: float = 0.9) -> None:
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))

    def __call__(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cum, rng.random() * self.cum[-1])


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYL) for _ in range(parts)).capitalize()


def generate(triples: int, seed: int = 1, anchors: Anchors | None = None) -> Iterator[str]:
    """N-Triples lines (with their newline) for a graph of about ``triples`` triples.

    Examples
    --------
    >>> lines = list(generate(5000, seed=7))
    >>> 4250 <= len(lines) <= 5750
    True
    >>> lines == list(generate(5000, seed=7))
    True
    """
    a = anchors or curated_anchors()
    rng = random.Random(seed)
    n_pr = max(20, round(triples / triples_per_practice()))
    n_city = max(len(a.cities) + 5, n_pr // 10)
    n_country = max(len(a.countries) + 3, min(200, n_city // 20))
    n_org = max(len(a.organisations) + 5, n_pr // 2)
    n_person = max(5, n_pr // 4)
    n_stat = max(5, n_pr // 3)
    n_section = max(5, n_pr // 20)
    n_report = max(1, n_section // 10)
    c = a.concepts
    t = lambda s, p, o: f"{s} {p} {o} .\n"  # noqa: E731

    countries = [r[0] for r in a.countries] + [_iri("country", f"syn-{i}") for i in range(n_country - len(a.countries))]
    for i, iri in enumerate(countries):
        label = a.countries[i][1] if i < len(a.countries) else f"{_name(rng, 3)}land {i}"
        yield t(iri, RDF_TYPE, _cmo("Country"))
        yield t(iri, LABEL, _lit(label))

    reports = [_iri("source", f"syn-report-{i}") for i in range(n_report)]
    for i, iri in enumerate(reports):
        yield t(iri, RDF_TYPE, _cmo("Report"))
        yield t(iri, LABEL, _lit(f"Synthetic report {i}"))
        yield t(iri, TITLE, _lit(f"Practices of welcome, volume {i}"))
        yield t(iri, ISSUED, _typed(2005 + i % 15, "gYear"))
        yield t(iri, DESC, _lit(f"A generated report collecting {n_section // n_report} sections of practice profiles."))
    sections = [_iri("source", f"syn-section-{i}") for i in range(n_section)]
    for i, iri in enumerate(sections):
        yield t(iri, RDF_TYPE, _cmo("Section"))
        yield t(iri, LABEL, _lit(f"Synthetic section {i}"))
        yield t(iri, PART_OF, reports[i % n_report])
        yield t(iri, ISSUED, _typed(2005 + (i % n_report) % 15, "gYear"))

    country_pick = _Zipf(len(countries), 1.1)
    cities: list[str] = []
    for i in range(n_city):
        if i < len(a.cities):
            iri, label, country = a.cities[i]
        else:
            iri, label, country = _iri("city", f"syn-{i}"), f"{_name(rng)} {_name(rng)} {i}", countries[country_pick(rng)]
        cities.append(iri)
        yield t(iri, RDF_TYPE, _cmo("City"))
        yield t(iri, LABEL, _lit(label))
        yield t(iri, DESC, _lit(f"A city of the synthetic graph, number {i}."))
        yield t(iri, _cmo("locatedIn"), country)
        yield t(iri, LAT, _typed(f"{rng.uniform(-60, 70):.2f}", "decimal"))
        yield t(iri, LONG, _typed(f"{rng.uniform(-170, 170):.2f}", "decimal"))
        yield t(iri, _cmo("gatewayType"), rng.choice(c["GatewayType"]))
        yield t(iri, _cmo("source"), sections[rng.randrange(n_section)])

    city_pick = _Zipf(n_city, 0.8)
    orgs: list[str] = []
    # Organisations work locally, as in the sources: each in its home city and a few others (a
    # handful in up to 30). A practice takes its organisations from those active in its city,
    # the more popular ones (earlier in the list) more often. A global draw instead would put the
    # most popular organisation in a fixed share of all practices in every city, and the pairs of
    # cities it links would grow with the square of the graph (not what the sources show).
    city_orgs: list[list[int]] = [[] for _ in range(n_city)]
    for i in range(n_org):
        if i < len(a.organisations):
            iri, label = a.organisations[i]
        else:
            iri, label = _iri("organisation", f"syn-{i}"), f"{_name(rng, 3)} {rng.choice(_ORG_KINDS)} {i}"
        orgs.append(iri)
        yield t(iri, RDF_TYPE, _cmo("Organisation"))
        yield t(iri, LABEL, _lit(label))
        yield t(iri, _cmo("organisationType"), rng.choice(c["OrganisationType"]))
        home = city_pick(rng)
        yield t(iri, _cmo("basedIn"), cities[home])
        city_orgs[home].append(i)
        for _ in range(min(30, int(rng.expovariate(1.0)))):
            city_orgs[city_pick(rng)].append(i)
        if i and rng.random() < 0.2:
            yield t(iri, _cmo("memberOf"), orgs[rng.randrange(i)])

    org_pick = _Zipf(n_org, 0.9)
    for i in range(n_person):
        iri = _iri("person", f"syn-{i}")
        yield t(iri, RDF_TYPE, _cmo("Person"))
        yield t(iri, LABEL, _lit(f"{_name(rng).capitalize()} {_name(rng, 3).capitalize()}"))
        yield t(iri, _cmo("affiliation"), orgs[org_pick(rng)])
        yield t(iri, DESC, _lit("A person of the synthetic graph."))

    practices: list[str] = []
    area_pick = _Zipf(len(c["PolicyArea"]), 0.7)
    recs = [_iri("recommendation", f"local-government-{k}") for k in range(1, 15)] + [
        _iri("recommendation", f"community-partner-{k}") for k in range(1, 11)
    ]
    for i in range(n_pr):
        if i < len(a.practices):
            iri, label = a.practices[i]
        else:
            iri, label = _iri("practice", f"syn-{i}"), f"{_name(rng)} {rng.choice(_PRACTICE_KINDS)} {i}"
        practices.append(iri)
        yield t(iri, RDF_TYPE, _cmo("Practice"))
        yield t(iri, LABEL, _lit(label))
        yield t(iri, DESC, _lit(f"A generated practice that welcomes newcomers, number {i}."))
        yield t(iri, _cmo("source"), sections[rng.randrange(n_section)])
        where = list(dict.fromkeys(city_pick(rng) for _ in range(1 + (rng.random() < 0.15))))
        for city in where:
            yield t(iri, _cmo("implementedIn"), cities[city])
        pool = city_orgs[where[0]]

        def local_org() -> str:
            if not pool:  # a city no organisation works in yet: any one, evenly, starts to
                pool.append(rng.randrange(n_org))
            return orgs[pool[int(len(pool) * rng.random() ** 2)]]

        for area in dict.fromkeys(c["PolicyArea"][area_pick(rng)] for _ in range(rng.randint(1, 3))):
            yield t(iri, _cmo("addresses"), area)
        for group in dict.fromkeys(rng.choice(c["TargetGroup"]) for _ in range(rng.randint(1, 2))):
            yield t(iri, _cmo("targets"), group)
        yield t(iri, _cmo("practiceType"), rng.choice(c["PracticeType"]))
        yield t(iri, _cmo("status"), rng.choice(c["Status"]))
        yield t(iri, _cmo("startYear"), _typed(1995 + rng.randrange(25), "gYear"))
        yield t(iri, _cmo("ledBy"), local_org())
        for partner in dict.fromkeys(local_org() for _ in range(rng.randint(0, 3))):
            yield t(iri, _cmo("partner"), partner)
        if rng.random() < 0.3:
            yield t(iri, _cmo("fundedBy"), local_org())
        for rec in dict.fromkeys(rng.choice(recs) for _ in range(rng.randint(0, 2))):
            yield t(iri, _cmo("exemplifies"), rec)
        if i > 10 and rng.random() < 0.06:
            # as in the sources, few practices name a model; the model is earlier, popular ones more often
            yield t(iri, _cmo("inspiredBy"), practices[int(i * rng.random() ** 2)])
        if rng.random() < 0.2:
            yield t(iri, ALT, _lit(label.split()[0].upper()[:6]))

    about_pick = _Zipf(n_city, 0.8)
    for i in range(n_stat):
        iri = _iri("statistic", f"syn-{i}")
        subject = cities[about_pick(rng)] if i % 2 else practices[rng.randrange(n_pr)]
        yield t(iri, RDF_TYPE, _cmo("Statistic"))
        yield t(iri, LABEL, _lit(f"Synthetic figure {i}"))
        yield t(iri, _cmo("value"), _typed(rng.randrange(1, 100000), "integer"))
        yield t(iri, _cmo("unit"), rng.choice(c["Unit"]))
        yield t(iri, _cmo("year"), _typed(2000 + rng.randrange(20), "gYear"))
        yield t(iri, _cmo("about"), subject)
        yield t(iri, _cmo("source"), sections[rng.randrange(n_section)])
        yield t(iri, _cmo("qualifier"), _lit(rng.choice(_QUALIFIERS), None))

    # The 24 recommendations of the 2012 report, with their real IRIs.
    audiences = {a_.rsplit("/", 1)[-1].rstrip(">"): a_ for a_ in c["Audience"]}
    for k, rec in enumerate(recs):
        lg = k < 14
        number = k + 1 if lg else k - 13
        yield t(rec, RDF_TYPE, _cmo("Recommendation"))
        yield t(rec, LABEL, _lit(f"Recommendation {number} for {'local governments' if lg else 'community partners'}"))
        yield t(rec, _cmo("recommendationNumber"), _typed(number, "integer"))
        yield t(rec, _cmo("audience"), audiences.get("local-governments" if lg else "community-partners", c["Audience"][0]))
        yield t(rec, DESC, _lit("A recommendation of the synthetic graph."))
        yield t(rec, _cmo("source"), sections[k % n_section])


def write_graph(path: Path, triples: int, seed: int = 1, anchors: Anchors | None = None) -> int:
    """Write a synthetic graph to ``path`` (N-Triples) and return how many triples it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        batch: list[str] = []
        for line in generate(triples, seed, anchors):
            batch.append(line)
            if len(batch) >= 50000:
                fh.writelines(batch)
                n += len(batch)
                batch.clear()
        fh.writelines(batch)
        n += len(batch)
    tmp.replace(path)
    return n
