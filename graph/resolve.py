"""Entity resolution across documents: one entity per real thing, with its canonical name.

Extraction already gives every mention a key (a curated id, or a normalised name). Here the
keys of all documents meet: names, aliases, parents, countries and sectors are gathered per
entity and the canonical name is chosen deterministically (curated name, else the most
frequent full form, then the longest, then the first in code-point order), so the result is
the same in any input order.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Sequence

from .knowledge import Knowledge
from .records import Extraction


@dataclass
class Entity:
    type: str
    key: str
    name: str
    aliases: list[str] = field(default_factory=list)
    country: str | None = None  # country key
    parent: str | None = None  # organisation/municipality key
    sectors: list[str] = field(default_factory=list)  # sector ids
    curated: bool = False


@dataclass
class Paper:
    key: str
    title: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    publisher: str | None = None
    series: str | None = None
    creators: list[str] = field(default_factory=list)


@dataclass
class Corpus:
    """The resolved corpus: entities by key, papers by key, and the per-document extractions
    (persons already renamed to the variant they join). `tally` is what resolution read from
    them, `renames` the person keys that joined another."""

    entities: dict[str, Entity]
    papers: dict[str, Paper]
    extractions: Sequence[Extraction]
    renames: dict[str, str] = field(default_factory=dict)
    tally: "Tally | None" = None


def _pick(counter: Counter | dict) -> str:
    return sorted(counter.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))[0][0]


def _majority(values: list[str | None]) -> str | None:
    present = Counter(v for v in values if v)
    return _pick(present) if present else None


def _bump(table: dict, key, amount: int) -> None:
    count = table.get(key, 0) + amount
    if count:
        table[key] = count
    else:
        del table[key]


def _bump_in(table: dict, key: str, inner, amount: int) -> None:
    counts = table.get(key)
    if counts is None:
        counts = table[key] = {}
    _bump(counts, inner, amount)
    if not counts:
        del table[key]


class Tally:
    """Everything resolution reads from the extractions, as counts: a document's part can be
    added and taken away again, so a rebuild after one changed document resolves without reading
    the others. Plain dicts of str and int only (stored with marshal)."""

    FIELDS = ("types", "names", "surfaces", "curated", "countries", "parents", "sectors", "papers",
              "sector_mentions", "memberships")

    def __init__(self, data: dict | None = None):
        data = data or {}
        self.types: dict[str, dict[str, int]] = data.get("types", {})  # key -> {type: mentions}
        self.names: dict[str, dict[str, int]] = data.get("names", {})
        self.surfaces: dict[str, dict[str, int]] = data.get("surfaces", {})
        self.curated: dict[str, int] = data.get("curated", {})
        self.countries: dict[str, dict[str, int]] = data.get("countries", {})  # organisation -> {country key: facts}
        self.parents: dict[str, dict[str, int]] = data.get("parents", {})
        self.sectors: dict[str, dict[str, int]] = data.get("sectors", {})
        self.papers: dict[str, dict[str, dict[str, int]]] = data.get("papers", {})  # key -> {t,k,p,s,c: counts}
        self.sector_mentions: dict[str, int] = data.get("sector_mentions", {})
        self.memberships: int = data.get("memberships", 0)

    def data(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}

    def add(self, extraction: Extraction, sign: int = 1) -> None:
        """Count one document's extraction in (sign 1) or out again (sign -1)."""
        for mention in extraction.mentions:
            if mention.type == "sector":
                _bump(self.sector_mentions, mention.key, sign)
                continue
            if mention.type == "paper":
                continue
            key = mention.key
            _bump_in(self.types, key, mention.type, sign)
            _bump_in(self.names, key, mention.name, sign)
            _bump_in(self.surfaces, key, mention.surface, sign)
            if mention.curated:
                _bump(self.curated, key, sign)
        for fact in extraction.organisations:
            if fact.country:
                _bump_in(self.countries, fact.key, f"country:{fact.country}", sign)
            if fact.parent:
                _bump_in(self.parents, fact.key, fact.parent, sign)
            for sector in fact.sectors:
                _bump_in(self.sectors, fact.key, sector, sign)
        for membership in extraction.memberships:
            for sector in membership.sectors:
                _bump_in(self.sectors, membership.person, sector, sign)
        self.memberships += sign * len(extraction.memberships)
        for paper in extraction.papers:
            counts = self.papers.get(paper.key)
            if counts is None:
                counts = self.papers[paper.key] = {"n": {}, "t": {}, "k": {}, "p": {}, "s": {}, "c": {}}
            _bump(counts["n"], "", sign)
            _bump(counts["t"], paper.title, sign)
            _bump(counts["k"], paper.kind, sign)
            if paper.publisher:
                _bump(counts["p"], paper.publisher, sign)
            if paper.series:
                _bump(counts["s"], paper.series, sign)
            for creator in paper.creators:
                _bump(counts["c"], creator, sign)
            if not counts["n"]:
                del self.papers[paper.key]

    def single_types(self) -> dict[str, str]:
        """Each key's type, where every mention of it gave the same one (MixedTypes otherwise:
        only the order of the documents then decides, and resolve() must see them all)."""
        types = {}
        for key, counts in self.types.items():
            if len(counts) != 1:
                raise MixedTypes(key)
            types[key] = next(iter(counts))
        return types


class MixedTypes(Exception):
    """A key mentioned with two types: the last document's wins, so the tally alone cannot say."""


def resolve(extractions: list[Extraction], knowledge: Knowledge) -> Corpus:
    """Merge the extractions of all documents (in any order) into one Corpus."""
    extractions = sorted(extractions, key=lambda e: e.identifier)
    tally = Tally()
    types: dict[str, str] = {}
    for extraction in extractions:
        tally.add(extraction)
        for mention in extraction.mentions:
            if mention.type not in {"paper", "sector"}:
                types[mention.key] = mention.type  # the last document's type wins
    entities, merged, papers = resolve_tally(tally, knowledge, types)
    if merged:
        extractions = [rename_persons(x, merged) for x in extractions]
    return Corpus(entities, papers, extractions, merged, tally)


def resolve_tally(tally: Tally, knowledge: Knowledge, types: dict[str, str] | None = None
                  ) -> tuple[dict[str, Entity], dict[str, str], dict[str, Paper]]:
    """Entities, the person keys that join another, and papers, from the counts of all documents.

    The canonical name is the curated one, else the most frequent full form, then the longest,
    then the first in code-point order; nothing depends on the order of the documents."""
    types = dict(tally.single_types() if types is None else types)
    merged = _merge_person_variants([k for k in types if types[k] == "person"], tally.names)
    absorbed: dict[str, list[str]] = defaultdict(list)
    for variant, full in merged.items():
        absorbed[full].append(variant)
        del types[variant]

    def combined(table: dict[str, dict[str, int]], key: str) -> dict[str, int]:
        counts = table.get(key, {})
        if key not in absorbed:
            return counts
        counts = dict(counts)
        for variant in absorbed[key]:
            for value, count in table.get(variant, {}).items():
                counts[value] = counts.get(value, 0) + count
        return counts

    entities: dict[str, Entity] = {}
    for key in sorted(types):
        type_ = types[key]
        entry = knowledge.entry(key)
        names = combined(tally.names, key)
        name = entry.name if entry else _pick(names)
        aliases = sorted((set(names) | set(combined(tally.surfaces, key))) - {name})
        country = entry.country if entry and entry.country else None
        countries = tally.countries.get(key)
        country_key = f"country:{country}" if country else (_pick(countries) if countries else None)
        parents = tally.parents.get(key)
        parent = (entry.parent if entry and entry.parent else None) or (_pick(parents) if parents else None)
        if type_ == "country":
            country_key, parent = None, None
        entities[key] = Entity(type_, key, name, aliases, country_key, parent if parent != key else None,
                               sorted(combined(tally.sectors, key)), key in tally.curated)
    # A parent or country named only as a link (never mentioned) still needs a node.
    for entity in list(entities.values()):
        for linked, type_ in ((entity.parent, "organisation"), (entity.country, "country")):
            if linked and linked not in entities:
                entry = knowledge.entry(linked)
                if entry is None:
                    setattr(entity, "parent" if type_ == "organisation" else "country", None)
                    continue
                entities[linked] = Entity(entry.type if entry.type != "region" else "organisation", linked, entry.name,
                                          country=f"country:{entry.country}" if entry.country and entry.type != "country" else None,
                                          curated=True)
    papers = {}
    for key in sorted(tally.papers):
        counts = tally.papers[key]
        title = _pick(counts["t"])
        kind = "series" if "series" in counts["k"] else _pick(counts["k"])
        papers[key] = Paper(key, title, kind, sorted(set(counts["t"]) - {title}),
                            _pick(counts["p"]) if counts["p"] else None, _pick(counts["s"]) if counts["s"] else None,
                            sorted({merged.get(c, c) for c in counts["c"]}))
    return entities, merged, papers


def _merge_person_variants(keys: list[str], names: dict[str, Counter]) -> dict[str, str]:
    """Names that differ only by middle names or initials are one person when nothing contradicts it:
    "Søren K. Dahl" and "Margaret Okafor" join "Søren Kjær Dahl" and "Margaret J. Okafor"."""
    def parts(key: str) -> list[str]:
        return key.split(":~", 1)[1].split()

    by_ends: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in keys:
        words = parts(key)
        if len(words) >= 2:
            by_ends[(words[0], words[-1])].append(key)
    merged: dict[str, str] = {}
    for group in by_ends.values():
        if len(group) < 2:
            continue
        fullest = sorted(group, key=lambda k: (-len(parts(k)), -sum(len(w) for w in parts(k)), k))
        target = fullest[0]
        middle = parts(target)[1:-1]
        for key in fullest[1:]:
            other = parts(key)[1:-1]
            compatible = len(other) <= len(middle) and all(
                any(m == o or (len(o) == 1 and m.startswith(o)) for m in middle) for o in other)
            if compatible and not (other and len(fullest) > 2 and any(
                    parts(k)[1:-1] and parts(k)[1:-1] != middle and not all(len(o) == 1 for o in parts(k)[1:-1]) for k in fullest[1:])):
                merged[key] = target
    return merged


def rename_persons(extraction: Extraction, merged: dict[str, str]) -> Extraction:
    """The extraction with the person keys that joined another renamed to it."""
    rename = lambda key: merged.get(key, key)  # noqa: E731
    return replace(
        extraction,
        mentions=[replace(m, key=rename(m.key)) if m.type == "person" else m for m in extraction.mentions],
        memberships=[replace(m, person=rename(m.person)) for m in extraction.memberships],
        papers=[replace(p, creators=tuple(rename(c) for c in p.creators)) for p in extraction.papers],
    )
