"""Small typed records passed between the pipeline stages.

read -> Document; extract -> Extraction (mentions, memberships, papers);
resolve -> Entity keys shared across documents; rdf -> triples.
Records are plain, hashable-where-useful and picklable, so per-document
extraction can run in other processes (or on a cluster) unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One readable source text, reduced to plain text with its line breaks kept."""

    identifier: str  # file name, e.g. "003_65bd54b2553ef881.txt"
    text: str
    path: str = ""
    content_hash: str = ""  # sha256 of the raw bytes
    media_type: str = "text/plain"
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Skip:
    """A file that could not be read, and why (reported, never fatal)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Mention:
    """A span of text naming an entity of one type.

    `key` is the resolution key within the type (a curated id such as
    "municipality:dk-randers", or a normalised name for things no list holds).
    """

    type: str  # person | organisation | municipality | country | sector | paper
    key: str
    surface: str  # the text as written
    name: str  # the name this mention proposes (genitive stripped, cleaned)
    sentence: str  # the evidence sentence
    start: int = 0  # character offset in Document.text
    curated: bool = False


@dataclass(frozen=True)
class Membership:
    """A person holding a role (possibly untitled) in an organisation, as one document states it."""

    person: str  # person key
    organisation: str  # organisation or municipality key
    organisation_type: str  # "organisation" | "municipality"
    title: str | None  # the title as written, e.g. "Børne- og familiechef"
    role: str | None  # role concept id, e.g. "director"
    sentence: str
    qualifiers: tuple[str, ...] = ()  # e.g. ("acting",), ("former",)
    sectors: tuple[str, ...] = ()  # sector ids signalled by the title ("familiechef")


@dataclass(frozen=True)
class PaperFact:
    """A paper (report, series, presentation, programme) and its links, from one document."""

    key: str
    title: str
    kind: str  # report | series | presentation | programme
    sentence: str
    publisher: str | None = None  # organisation key
    series: str | None = None  # paper key of the series
    creators: tuple[str, ...] = ()  # person keys


@dataclass(frozen=True)
class OrganisationFact:
    """What a document says about an organisation beyond its name: parent, country, acronym."""

    key: str
    parent: str | None = None  # organisation/municipality key
    parent_type: str | None = None
    country: str | None = None  # country key
    acronym: str | None = None
    sectors: tuple[str, ...] = ()  # sector ids signalled by the organisation's name


@dataclass
class Extraction:
    """Everything one document yields; a pure function of the document and the rules."""

    identifier: str
    language: str
    title: str
    date: str | None  # ISO date
    content_hash: str = ""
    mentions: list[Mention] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    papers: list[PaperFact] = field(default_factory=list)
    organisations: list[OrganisationFact] = field(default_factory=list)
