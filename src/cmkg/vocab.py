"""Namespaces of the Cities of Migration Knowledge Graph.

``CMO`` lists every term of ``ontology/cmo.ttl``. It is a closed
:class:`~rdflib.namespace.DefinedNamespace`, so a typo such as
``CMO.implementedin`` raises :class:`AttributeError` instead of quietly
minting a new IRI; ``tests/test_vocab.py`` keeps it in step with the ontology.

Examples
--------
>>> from cmkg.vocab import CMO, ID
>>> CMO.implementedIn
rdflib.term.URIRef('https://w3id.org/cmkg/ontology#implementedIn')
>>> ID["city/toronto"]
rdflib.term.URIRef('https://w3id.org/cmkg/id/city/toronto')
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = ["CMO", "GRAPH", "ID", "SCHEME"]

#: Every curated resource: ``ID["{kind}/{slug}"]``.
ID = Namespace("https://w3id.org/cmkg/id/")

#: Named graphs, one per Turtle file: ``GRAPH["places"]``, ``GRAPH["ontology/cmo"]``.
GRAPH = Namespace("https://w3id.org/cmkg/graph/")

#: SKOS concept schemes: ``SCHEME["policy-areas"]``.
SCHEME = Namespace("https://w3id.org/cmkg/id/scheme/")


class CMO(DefinedNamespace):
    """The Cities of Migration ontology, ``https://w3id.org/cmkg/ontology#``."""

    _NS = Namespace("https://w3id.org/cmkg/ontology#")
    _fail = True

    # Classes
    Practice: URIRef  # a programme, policy, charter, award, service ... that integrates immigrants
    Recommendation: URIRef  # a numbered recommendation of the 2012 report
    AwardConferral: URIRef  # one giving of an award to a recipient in a year
    Place: URIRef  # a city, region or country
    City: URIRef  # a municipality: city, town or suburban municipality
    Region: URIRef  # a province, state, metropolitan area or continent
    Country: URIRef  # a sovereign state
    Organisation: URIRef  # a body that acts collectively
    Person: URIRef  # an individual named in a source
    Position: URIRef  # a person's tenure in a role (cmo:roleTitle) in an organisation or place
    PolicyArea: URIRef  # skos:Concept: a field of municipal action
    MipexStrand: URIRef  # skos:Concept: a national policy area scored by MIPEX
    TargetGroup: URIRef  # skos:Concept: a group a practice serves
    GatewayType: URIRef  # skos:Concept: a kind of immigrant destination
    PracticeType: URIRef  # skos:Concept: the form a practice takes
    OrganisationType: URIRef  # skos:Concept: the kind of body an organisation is
    Audience: URIRef  # skos:Concept: local governments or community partners
    Unit: URIRef  # skos:Concept: what a statistic's number counts or measures
    Status: URIRef  # skos:Concept: ongoing or ended
    Source: URIRef  # a published text, or part of one, that states or is cited
    Report: URIRef  # a stand-alone publication of an organisation
    Essay: URIRef  # a signed piece of analysis, usually inside a report
    Article: URIRef  # a magazine, newsletter or web article
    Section: URIRef  # a titled part of a larger source
    Book: URIRef  # a monograph or edited volume
    Chapter: URIRef  # a contribution inside a book
    JournalArticle: URIRef  # a paper in a journal
    WebResource: URIRef  # a web page, site or online collection
    Statistic: URIRef  # a single sourced figure

    # Object properties
    implementedIn: URIRef  # Practice -> Place where it runs
    ledBy: URIRef  # Practice -> Organisation | Person that leads it
    partner: URIRef  # Practice -> Organisation | Place working on it
    communityPartner: URIRef  # sub-property of partner: a community-sector partner
    fundedBy: URIRef  # Practice | Organisation -> Organisation that funds or supports it
    addresses: URIRef  # Practice -> PolicyArea
    targets: URIRef  # Practice -> TargetGroup
    practiceType: URIRef  # Practice -> PracticeType
    status: URIRef  # Practice -> Status
    partOf: URIRef  # Practice -> broader Practice
    exemplifies: URIRef  # Practice -> Recommendation (curation)
    inspiredBy: URIRef  # Practice -> Practice that served as a model
    replicates: URIRef  # sub-property of inspiredBy: a copy elsewhere
    adaptedFrom: URIRef  # sub-property of inspiredBy: built on and changed
    award: URIRef  # AwardConferral -> the award (a Practice)
    recipient: URIRef  # AwardConferral -> Person | Organisation | Place | Practice
    audience: URIRef  # Recommendation -> Audience
    locatedIn: URIRef  # Place -> Place (transitive)
    gatewayType: URIRef  # City -> GatewayType
    suburbOf: URIRef  # City -> larger City
    basedIn: URIRef  # Organisation -> Place
    organisationType: URIRef  # Organisation -> OrganisationType
    memberOf: URIRef  # Organisation -> Organisation it belongs to
    partnerOf: URIRef  # Organisation <-> Organisation (symmetric)
    affiliation: URIRef  # Person -> Organisation
    heads: URIRef  # Person -> Organisation | Place they lead
    position: URIRef  # Person -> Position
    positionIn: URIRef  # Position -> Organisation | Place
    source: URIRef  # anything -> Source (ideally the section) stating it
    about: URIRef  # Statistic -> the resource it describes
    unit: URIRef  # Statistic -> Unit

    # Datatype properties
    startYear: URIRef  # xsd:gYear something began
    endYear: URIRef  # xsd:gYear something stopped
    year: URIRef  # xsd:gYear of a statistic or an award conferral
    recommendationNumber: URIRef  # xsd:integer, from 1 within its audience
    value: URIRef  # xsd:decimal or xsd:integer figure of a statistic
    qualifier: URIRef  # string: exact, approximately, more than, at least, nearly, less than, up to
    roleTitle: URIRef  # literal name of the role in a Position
    venue: URIRef  # literal journal or publisher of a cited work
    pages: URIRef  # literal page or page range
    degree: URIRef  # xsd:integer, computed by cmkg analyze
    degreeCentrality: URIRef  # xsd:double, computed by cmkg analyze
    betweenness: URIRef  # xsd:double, computed by cmkg analyze
    pageRank: URIRef  # xsd:double, computed by cmkg analyze
    eigenvector: URIRef  # xsd:double, computed by cmkg analyze
    community: URIRef  # xsd:integer community number, computed by cmkg analyze
    isBroker: URIRef  # xsd:boolean, computed by cmkg analyze
    practiceCount: URIRef  # xsd:integer, computed by cmkg analyze coverage
    cityCount: URIRef  # xsd:integer, computed by cmkg analyze coverage
    countryCount: URIRef  # xsd:integer, computed by cmkg analyze coverage
