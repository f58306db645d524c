"""RDF assembly: the only stage that knows IRIs and vocabularies.

A resolved Corpus becomes quads: what a document states (its mentions and memberships) goes
into a named graph per document, so TriG/N-Quads exports can tell which document said what;
entities, schemes and the ontology go into the default graph. Every node carries both the
standard type of the graph contract and the project's class, so queries need no inference.
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from .knowledge import Knowledge, fold, name_key
from .atomic import write_bytes_atomically  # noqa: F401  (the one way outputs are written)
from .query import PREFIXES  # one list: graph.query keeps it so that `kg query` starts without this module
from .resolve import Corpus, Entity, Paper

DEFAULT_BASE = "https://w3id.org/social-services-kg/"
KG = PREFIXES["kg"]


@functools.lru_cache(maxsize=None)
def term(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(PREFIXES[prefix] + local)


RDF_TYPE = term("rdf:type")
XSD_DATE = term("xsd:date")
TYPES = {
    "person": ("foaf:Person", "kg:Person"),
    "organisation": ("org:Organization", "kg:Organisation"),
    "municipality": ("org:Organization", "cv:PublicOrganisation", "kg:Municipality"),
    "country": ("schema:Country", "kg:Country"),
}
PAPER_CLASSES = {"report": "kg:Report", "series": "kg:Series", "presentation": "kg:Presentation", "programme": "kg:Programme"}
QUALIFIERS = {"acting": "kg:acting", "former": "kg:former", "new": "kg:new", "leaving": "kg:leaving"}


def slug(text: str) -> str:
    """A stable, valid IRI segment for any name: words joined by '-', percent-encoded, bounded."""
    words = name_key(text).replace(" ", "-") or "x"
    if len(words) > 80:
        words = words[:64].rstrip("-") + "-" + hashlib.sha256(words.encode()).hexdigest()[:12]
    return quote(words, safe="-")


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


class IRIs:
    """Mints the IRIs of one build; the base is configurable, the scheme of paths is not.

    IRIs are plain strings here; each distinct one is checked once by Oxigraph (`ox.NamedNode`),
    so an IRI that is not valid fails as it always did."""

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base if base.endswith(("/", "#")) else base + "/"
        ox.NamedNode(self.base)
        self.entity = functools.lru_cache(maxsize=None)(self._entity)  # an entity's IRI is minted once per build
        self.role = functools.lru_cache(maxsize=None)(self._role)

    def _entity(self, key: str) -> str:
        type_, rest = key.split(":", 1)
        if type_ == "sector":
            return _checked(f"{KG}sector-{rest}")
        local = slug(rest[1:]) if rest.startswith("~") else quote(rest, safe="-")
        return _checked(f"{self.base}id/{type_}/{local}")

    def document(self, identifier: str) -> str:
        # A file name that is not UTF-8 arrives with surrogate escapes: encode its bytes as they are.
        raw = identifier.encode("utf-8", "surrogateescape")
        return _checked(f"{self.base}id/document/{quote(raw, safe='-._~')}")

    def _role(self, role_id: str) -> str:
        """A listed role's id, or the slug of a title no list holds (already percent-encoded)."""
        return _checked(f"{self.base}id/role/{quote(role_id, safe='-%')}")

    def node(self, kind: str, *parts: str) -> str:
        return f"{self.base}id/{kind}/{digest(*parts)}"  # hex under a checked base: valid


def _checked(iri: str) -> str:
    ox.NamedNode(iri)  # ValueError for an invalid IRI
    return iri


def clean_text(value: str) -> str:
    """A literal's text: no control characters but tab and line breaks, valid UTF-8."""
    clean = _CONTROL.sub("", value)
    return clean.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # file names that are not UTF-8


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def literal(value: str, language: str | None = None) -> ox.Literal:
    clean = clean_text(value)
    return ox.Literal(clean, language=language) if language else ox.Literal(clean)


def ontology_quads(knowledge: Knowledge) -> list[ox.Quad]:
    """The ontology, the sector scheme and the COFOG concepts: a self-describing graph file."""
    return _ontology_quads(knowledge.directory)


def _ontology_quads(directory: Path) -> list[ox.Quad]:
    quads = []
    for path in (directory / "kg.ttl", directory / "schemes" / "sectors.ttl", directory / "schemes" / "cofog.ttl"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    return quads


# ---------------------------------------------------------------- the graph as Turtle text
#
# The graph is written as Turtle text directly, term by term, in exactly the bytes Oxigraph's
# Turtle serializer gives for the same triples in the same order (tests/test_scale_rdf.py checks
# it): a term's text is Oxigraph's own for every IRI under a prefix, "<iri>" for the others, and
# literals are escaped as Oxigraph escapes them. One text serves graph.ttl and, wrapped in
# TriG graph blocks, the store's bulk load; no per-triple Python object is made.

_PROBE_S, _PROBE_P = ox.NamedNode("http://example.invalid/s"), ox.NamedNode("http://example.invalid/p")
_PROBE_HEAD = "<http://example.invalid/s> <http://example.invalid/p> "
TURTLE_HEADER = ox.serialize([ox.Triple(_PROBE_S, _PROBE_P, _PROBE_S)], format=ox.RdfFormat.TURTLE,
                             prefixes=PREFIXES).decode().rsplit("\n", 2)[0] + "\n"
_ESCAPES = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f\"\\\\\ufffe\uffff]")
_PREFIX_IRIS = tuple(PREFIXES.values())


def _oxigraph_text(term_: ox.NamedNode | ox.Literal) -> str:
    """How Oxigraph's Turtle serializer writes one term in object position."""
    line = ox.serialize([ox.Triple(_PROBE_S, _PROBE_P, term_)], format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode()
    return line[len(TURTLE_HEADER) + len(_PROBE_HEAD):-len(" .\n")]


_IRI_OF_TEXT: dict[str, str] = {"a": RDF_TYPE.value}


@functools.lru_cache(maxsize=None)
def _prefixed(iri: str) -> str:
    text = _oxigraph_text(ox.NamedNode(iri))
    _IRI_OF_TEXT[text] = iri
    return text


_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SHORT = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return chr(int(code[1:], 16)) if code[0] in "uU" and len(code) > 1 else _SHORT[code]


def text_term(text: str) -> tuple[str, str, str | None]:
    """A term's Turtle text as (kind, value, language): kind "iri", "literal" or "blank"."""
    first = text[0]
    if first == '"':
        end = text.rindex('"')
        value = text[1:end]
        if "\\" in value:
            value = _UNESCAPE.sub(_unescape, value)
        rest = text[end + 1:]
        return "literal", value, rest[1:] if rest.startswith("@") else None
    if first == "<":
        return "iri", text[1:-1], None
    if text.startswith("_:"):
        return "blank", text[2:], None
    iri = _IRI_OF_TEXT.get(text)
    return "iri", _iri_of_prefixed(text) if iri is None else iri, None


def _iri_of_prefixed(text: str) -> str:
    """The IRI of a prefixed name this process has not written (one read from a record): the
    prefix's IRI and the local name unescaped, checked to be written back as `text`."""
    prefix, _, local = text.partition(":")
    iri = PREFIXES[prefix] + re.sub(r"\\(.)", r"\1", local)
    if _prefixed(iri) != text:
        raise ValueError(f"{text!r} is not a prefixed name as Oxigraph writes them")
    return iri


def any_term_text(node) -> str:
    """Any term's Turtle text, for reading back (text_term), not for writing."""
    if isinstance(node, ox.NamedNode):
        return A if node == RDF_TYPE else iri_text(node.value)
    if isinstance(node, ox.BlankNode):
        return f"_:{node.value}"
    if node.language:
        return f"{quoted(node.value)}@{node.language}"
    return f"{quoted(node.value)}^^{iri_text(node.datatype.value)}"


def iri_text(iri: str) -> str:
    """An IRI as the Turtle serializer writes it: a prefixed name where one fits, else <iri>."""
    return _prefixed(iri) if iri.startswith(_PREFIX_IRIS) else f"<{iri}>"


@functools.lru_cache(maxsize=None)
def _language(tag: str) -> str:
    return ox.Literal("", language=tag).language  # validated and normalised as Oxigraph does


def quoted(value: str) -> str:
    if _NEEDS_ESCAPE.search(value):
        value = value.translate(_ESCAPES)
    return f'"{value}"'


def literal_text(value: str, language: str | None = None) -> str:
    """literal(value, language) as Turtle text."""
    text = quoted(clean_text(value))
    return f"{text}@{_language(language)}" if language else text


_TERMS: dict[str, str] = {}


def term_text(curie: str) -> str:
    found = _TERMS.get(curie)
    if found is None:
        found = _TERMS[curie] = iri_text(term(curie).value)
    return found


A = "a"  # rdf:type as a predicate
XSD_DATE_TEXT = iri_text(XSD_DATE.value)


def date_text(value: str) -> str:
    return f"{quoted(value)}^^{XSD_DATE_TEXT}"


class Chunk:
    """A run of Turtle statements in one graph, without the final " .": its first and last
    subject and predicate let runs join as one serializer pass would have written them.

    The text is held as UTF-8: one curly quote makes a Python string two bytes a character, and
    the chunks are the largest thing a big build holds (0.6 GB as strings at 10,000 documents)."""

    __slots__ = ("graph", "utf8", "first", "last", "count")

    def __init__(self, graph: str | None, text: str, first: tuple[str, str], last: tuple[str, str], count: int):
        self.graph = graph  # the graph IRI; None for the default graph
        self.utf8 = text.encode("utf-8")
        self.first, self.last, self.count = first, last, count

    @property
    def text(self) -> str:
        return self.utf8.decode("utf-8")

    def data(self) -> tuple:
        return (self.graph, self.text, self.first, self.last, self.count)


class _Writer:
    """Turtle statements, grouped as the serializer groups consecutive triples (";" and ",")."""

    def __init__(self, graph: str | None = None, facts=None):
        self.graph = graph
        self.facts = facts  # a network.ViewFacts that reads the same triples, or None
        self.parts: list[str] = []
        self.subject: str | None = None
        self.predicate: str | None = None
        self.first: tuple[str, str] | None = None
        self.count = 0

    def add(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        """Triples of one subject, (predicate text, object text) in order."""
        if not pairs:
            return
        if self.facts is not None:
            self.facts.add(subject, pairs)
        parts = self.parts
        predicate, obj = pairs[0]
        if subject == self.subject:
            parts.append(f" , {obj}" if predicate == self.predicate else f" ;\n\t{predicate} {obj}")
        else:
            if self.subject is None:
                self.first = (subject, predicate)
            else:
                parts.append(" .\n")
            parts.append(f"{subject} {predicate} {obj}")
        previous = predicate
        for predicate, obj in pairs[1:]:
            if predicate == previous:
                parts.append(f" , {obj}")
            else:
                parts.append(f" ;\n\t{predicate} {obj}")
                previous = predicate
        self.subject, self.predicate = subject, previous
        self.count += len(pairs)

    def chunk(self) -> Chunk | None:
        if self.first is None:
            return None
        return Chunk(self.graph, "".join(self.parts), self.first, (self.subject, self.predicate), self.count)


def _role_concept(iris: IRIs, knowledge: Knowledge, role_id: str | None, title: str, language: str,
                  out: dict[str, set]) -> str:
    """The role concept of a title: a listed role, or a concept of its own under its compound head."""
    listed = knowledge.roles.get(role_id) if role_id else None
    if listed and fold(title) in {fold(listed.en), *(fold(f) for forms in listed.forms.values() for f in forms)}:
        concept = iris.role(listed.id)
    else:
        concept = iris.role(slug(title))
        out.setdefault(concept, set()).add(("pref", fold(title), "en"))
        if listed:
            out[concept].add(("broader", listed.id, ""))
    out.setdefault(concept, set()).add(("alt", title, language))
    return concept


def _role_triples(iris: IRIs, knowledge: Knowledge, concepts: dict[str, set]) -> list[tuple[str, str, str]]:
    triples = []
    pending = {iris.role(rid): rid for rid in knowledge.roles}
    seen: set[str] = set()
    queue = list(concepts)
    pref, alt, broader_p = term_text("skos:prefLabel"), term_text("skos:altLabel"), term_text("skos:broader")
    while queue:
        iri = queue.pop()
        if iri in seen:
            continue
        seen.add(iri)
        node = iri_text(iri)
        for cls in ("org:Role", "skos:Concept", "kg:Role"):
            triples.append((node, A, term_text(cls)))
        triples.append((node, term_text("skos:inScheme"), term_text("kg:roles")))
        role_id = pending.get(iri)
        if role_id:
            role = knowledge.roles[role_id]
            triples.append((node, pref, literal_text(role.en, "en")))
            for language, forms in role.forms.items():
                for form in forms:
                    triples.append((node, alt, literal_text(form, language)))
            if role.broader and role.broader in knowledge.roles:
                broader = iris.role(role.broader)
                triples.append((node, broader_p, iri_text(broader)))
                queue.append(broader)
        for kind, value, language in sorted(concepts.get(iri, ())):
            if kind == "pref" and not role_id:
                triples.append((node, pref, literal_text(value, language)))
            elif kind == "alt":
                triples.append((node, alt, literal_text(value, language or None)))
            elif kind == "broader":
                broader = iris.role(value)
                triples.append((node, broader_p, iri_text(broader)))
                queue.append(broader)
    if seen:
        roles = term_text("kg:roles")
        triples.append((roles, A, term_text("skos:ConceptScheme")))
        triples.append((roles, pref, literal_text("Roles held in public social services", "en")))
    return list(dict.fromkeys(triples))  # a written title may also be a listed form


def _entity_triples(iris: IRIs, entity: Entity, knowledge: Knowledge) -> tuple[str, list[tuple[str, str]]]:
    node = iri_text(iris.entity(entity.key))
    pairs = [(A, term_text(cls)) for cls in TYPES[entity.type]]
    label = term_text("foaf:name") if entity.type == "person" else term_text("skos:prefLabel")
    if entity.type == "country":
        row = knowledge.countries.get(entity.key.split(":", 1)[1], {})
        for language in ("en", "da", "sv"):
            pairs.append((label, literal_text(row.get(language) or entity.name, language)))
    else:
        pairs.append((label, literal_text(entity.name)))
    pairs.append((term_text("rdfs:label"), literal_text(entity.name)))
    alt = term_text("skos:altLabel")
    pairs.extend((alt, literal_text(alias)) for alias in entity.aliases)
    if entity.parent and entity.type == "organisation":
        pairs.append((term_text("org:subOrganizationOf"), iri_text(iris.entity(entity.parent))))
    if entity.country:
        where = "schema:containedInPlace" if entity.type == "municipality" else "schema:location"
        pairs.append((term_text(where), iri_text(iris.entity(entity.country))))
    sector = term_text("kg:sector")
    pairs.extend((sector, iri_text(iris.entity(f"sector:{s}"))) for s in entity.sectors)
    return node, pairs


def _paper_triples(iris: IRIs, paper: Paper, corpus: Corpus) -> tuple[str, list[tuple[str, str]]]:
    node = iri_text(iris.entity(paper.key))
    cls = term_text(PAPER_CLASSES[paper.kind])
    pairs = [(A, term_text("schema:CreativeWork")), (A, term_text("kg:Paper")), (A, cls),
             (term_text("dcterms:type"), cls), (term_text("dcterms:title"), literal_text(paper.title)),
             (term_text("rdfs:label"), literal_text(paper.title))]
    pairs.extend((term_text("dcterms:alternative"), literal_text(alias)) for alias in paper.aliases)
    if paper.publisher and paper.publisher in corpus.entities:
        pairs.append((term_text("dcterms:publisher"), iri_text(iris.entity(paper.publisher))))
    if paper.series and paper.series in corpus.papers and paper.series != paper.key:
        pairs.append((term_text("dcterms:isPartOf"), iri_text(iris.entity(paper.series))))
    creator = term_text("dcterms:creator")
    pairs.extend((creator, iri_text(iris.entity(c))) for c in paper.creators if c in corpus.entities)
    return node, pairs


def document_chunk(iris: IRIs, knowledge: Knowledge, entities, extraction, facts=None) -> tuple[Chunk, dict[str, set]]:
    """What one document states, in its own named graph, and the role concepts its titles use
    ({concept IRI: {(kind, value, language)}}, which _role_triples writes). A pure function of
    the (renamed) extraction and of which of the keys it names are entities."""
    role_concepts: dict[str, set] = {}
    t = term_text
    doc_iri = iris.document(extraction.identifier)
    doc = iri_text(doc_iri)
    out = _Writer(doc_iri, facts)
    pairs = [(A, t("foaf:Document")), (A, t("prov:Entity")), (t("dcterms:title"), literal_text(extraction.title)),
             (t("dcterms:identifier"), literal_text(extraction.identifier)),
             (t("dcterms:language"), literal_text(extraction.language))]
    if extraction.content_hash:
        pairs.append((t("kg:contentHash"), literal_text(extraction.content_hash)))
    date = date_text(extraction.date) if extraction.date else None
    if date:
        pairs.append((t("dcterms:date"), date))
    first_sentence: dict[str, str] = {}
    forms: dict[str, set[str]] = {}
    for mention in extraction.mentions:
        if mention.type != "paper" and mention.key not in entities and mention.type != "sector":
            continue
        first_sentence.setdefault(mention.key, mention.sentence)
        forms.setdefault(mention.key, set()).add(mention.surface)
    mentioned = sorted(first_sentence)
    targets = {key: iri_text(iris.entity(key)) for key in mentioned}
    mentions = t("schema:mentions")
    pairs.extend((mentions, targets[key]) for key in mentioned)  # the document's own triples stay together
    out.add(doc, pairs)
    mention_type, mention_of, in_document = (A, t("kg:Mention")), t("kg:mentionOf"), t("kg:inDocument")
    evidence, surface_form = t("kg:evidence"), t("kg:surfaceForm")
    for key in mentioned:
        node = iri_text(iris.node("mention", extraction.identifier, key))
        pairs = [mention_type, (mention_of, targets[key]), (in_document, doc),
                 (evidence, literal_text(first_sentence[key]))]
        pairs.extend((surface_form, literal_text(form)) for form in sorted(forms[key]) if form)
        out.add(node, pairs)
    seen: set[str] = set()
    membership_type, member, organization = (A, t("org:Membership")), t("org:member"), t("org:organization")
    role_p, title_p, derived, observed = t("org:role"), t("kg:roleTitle"), t("prov:wasDerivedFrom"), t("kg:observedOn")
    qualifier_p = t("kg:qualifier")
    for membership in extraction.memberships:
        if membership.person not in entities or membership.organisation not in entities:
            continue
        node = iris.node("membership", extraction.identifier, membership.person, membership.organisation,
                         membership.title or "")
        if node in seen:
            continue  # the same post stated twice in one document is one membership
        seen.add(node)
        pairs = [membership_type, (member, iri_text(iris.entity(membership.person))),
                 (organization, iri_text(iris.entity(membership.organisation)))]
        if membership.title:
            concept = _role_concept(iris, knowledge, membership.role, membership.title, extraction.language, role_concepts)
            pairs.append((role_p, iri_text(concept)))
            pairs.append((title_p, literal_text(membership.title)))
        pairs.append((derived, doc))
        pairs.append((evidence, literal_text(membership.sentence)))
        if date:
            pairs.append((observed, date))
        pairs.extend((qualifier_p, t(QUALIFIERS[q])) for q in membership.qualifiers)
        out.add(iri_text(node), pairs)
    return out.chunk(), role_concepts


@functools.lru_cache(maxsize=8)
def _ontology_chunk(directory: Path, fingerprint: str) -> Chunk | None:
    """The ontology as Oxigraph writes it (it is small and the same in every build of these rules)."""
    quads = _ontology_quads(directory)
    if not quads:
        return None
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode()
    if not (text.startswith(TURTLE_HEADER) and text.endswith(" .\n")):
        raise ValueError("unexpected Turtle layout of the ontology")

    def pair(quad: ox.Quad) -> tuple[str, str]:
        if not isinstance(quad.subject, ox.NamedNode):
            raise ValueError("the ontology's subjects must be IRIs")
        return iri_text(quad.subject.value), A if quad.predicate == RDF_TYPE else iri_text(quad.predicate.value)

    return Chunk(None, text[len(TURTLE_HEADER):-len(" .\n")], pair(quads[0]), pair(quads[-1]), len(quads))


class Graph:
    """The whole graph as Turtle chunks in the fixed order: ontology, entities, papers, one chunk
    per document (its named graph), roles. Written as graph.ttl and loaded into the store."""

    def __init__(self, chunks: list):
        self.chunks = [c for c in chunks if c is not None]
        self.count = sum(c.count for c in self.chunks)

    def turtle_pieces(self):
        """graph.ttl as (text, chunk) pieces: chunk is set where the text is that chunk's whole
        text (a StoredChunk's text is then not read: the writer may copy its bytes)."""
        previous = None
        for chunk in self.chunks:
            if previous is None:
                yield TURTLE_HEADER, None
                yield None, chunk
            elif chunk.first[0] != previous.last[0]:
                yield " .\n", None
                yield None, chunk
            else:  # the same subject goes on, as one serializer pass would have written it
                subject, predicate = chunk.first
                if predicate == previous.last[1]:
                    yield " , " + chunk.text[len(subject) + len(predicate) + 2:], None
                else:
                    yield " ;\n\t" + chunk.text[len(subject) + 1:], None
            previous = chunk
        if previous is not None:
            yield " .\n", None

    def turtle_parts(self):
        """graph.ttl in pieces: the bytes Oxigraph's serializer gives for the triples in this order."""
        for text, chunk in self.turtle_pieces():
            yield chunk.text if text is None else text

    def turtle_bytes(self) -> bytes:
        return "".join(self.turtle_parts()).encode("utf-8")

    def trig_parts(self):
        """The same triples as TriG, each document's in its named graph: what the store loads."""
        yield TURTLE_HEADER
        for chunk in self.chunks:
            yield chunk_trig(chunk)

    def quads(self) -> list[ox.Quad]:
        data = "".join(self.trig_parts()).encode("utf-8")
        return list(ox.parse(input=data, format=ox.RdfFormat.TRIG))


def chunk_trig_utf8(chunk) -> list[bytes]:
    """One chunk as TriG statements (after TURTLE_HEADER), as UTF-8 pieces (the chunk's own bytes
    are not copied)."""
    if chunk.graph is None:
        return [chunk.utf8, b" .\n"]
    return [f"<{chunk.graph}> {{\n".encode("utf-8"), chunk.utf8, b" .\n}\n"]


def chunk_trig(chunk) -> str:
    """chunk_trig_utf8(chunk) as one text."""
    return b"".join(chunk_trig_utf8(chunk)).decode("utf-8")


Statements = list[tuple[str, list[tuple[str, str]]]]  # (subject text, [(predicate text, object text)])


def entity_statements(iris: IRIs, corpus: Corpus, knowledge: Knowledge) -> Statements:
    """The entities' and papers' triples, subject by subject, in the graph's order."""
    statements = [_entity_triples(iris, entity, knowledge) for entity in corpus.entities.values()]
    statements.extend(_paper_triples(iris, paper, corpus) for paper in corpus.papers.values())
    return statements


def role_statements(iris: IRIs, knowledge: Knowledge, role_concepts: dict[str, set]) -> Statements:
    """The role concepts' triples, one statement each, in the graph's order."""
    return [(subject, [(predicate, obj)]) for subject, predicate, obj in _role_triples(iris, knowledge, role_concepts)]


def statements_chunk(statements: Statements, facts=None) -> Chunk | None:
    """Statements of the default graph as one chunk."""
    writer = _Writer(None, facts)
    for subject, pairs in statements:
        writer.add(subject, pairs)
    return writer.chunk()


@functools.lru_cache(maxsize=8)
def ontology_statements(directory: Path) -> tuple[tuple[str, tuple[str, str]], ...]:
    """The ontology's triples as (subject text, (predicate text, object text)), in file order."""
    return tuple((any_term_text(q.subject), (any_term_text(q.predicate), any_term_text(q.object)))
                 for q in _ontology_quads(directory))


def ontology_chunk(knowledge: Knowledge) -> Chunk | None:
    return _ontology_chunk(Path(knowledge.directory), knowledge.fingerprint)


def add_ontology_facts(knowledge: Knowledge, facts) -> None:
    for subject, pair in ontology_statements(Path(knowledge.directory)):
        facts.add(subject, [pair])


def corpus_graph(corpus: Corpus, knowledge: Knowledge, base: str = DEFAULT_BASE, facts=None,
                 concepts: list | None = None) -> Graph:
    """The graph of a resolved corpus. Every collection is walked in a fixed order (documents by
    name, entities by key), so the same corpus gives the same chunks in any input order. With
    `facts` (a network.ViewFacts), every triple is also handed to it, for the view; `concepts`
    receives each document's role concepts, in the documents' order."""
    iris = IRIs(base)
    chunks = [ontology_chunk(knowledge)]
    if facts is not None:
        add_ontology_facts(knowledge, facts)
    chunks.append(statements_chunk(entity_statements(iris, corpus, knowledge), facts))
    role_concepts: dict[str, set] = {}
    for extraction in corpus.extractions:
        chunk, used = document_chunk(iris, knowledge, corpus.entities, extraction,
                                     facts.document() if facts is not None else None)
        chunks.append(chunk)
        for concept, items in used.items():
            role_concepts.setdefault(concept, set()).update(items)
        if concepts is not None:
            concepts.append(used)
    chunks.append(statements_chunk(role_statements(iris, knowledge, role_concepts), facts))
    return Graph(chunks)


def corpus_quads(corpus: Corpus, knowledge: Knowledge, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """Every quad of the graph, in the graph's fixed order: the same corpus gives the same list."""
    return corpus_graph(corpus, knowledge, base).quads()


def quad_order(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def triples_in_order(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The union of all graphs as triples, sorted by subject so the Turtle groups them."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle_bytes(quads: list[ox.Quad]) -> bytes:
    """The graph as Turtle, in the quads' own (deterministic, subject-grouped) order."""
    return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
