"""Entity resolution across documents: one entity per real thing, with its canonical name.

Extraction already gives every mention a key (a curated id, or a normalised name). Here the
keys of all documents meet: names, aliases, parents, countries and sectors are gathered per
entity and the canonical name is chosen deterministically (curated name, else the most
frequent full form, then the longest, then the first in code-point order), so the result is
the same in any input order.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .knowledge import Knowledge
from .records import Extraction, PaperFact


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
    """The resolved corpus: entities by key, papers by key, and the per-document extractions."""

    entities: dict[str, Entity]
    papers: dict[str, Paper]
    extractions: list[Extraction]


def _pick(counter: Counter) -> str:
    return sorted(counter.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))[0][0]


def _majority(values: list[str | None]) -> str | None:
    present = Counter(v for v in values if v)
    return _pick(present) if present else None


def resolve(extractions: list[Extraction], knowledge: Knowledge) -> Corpus:
    """Merge the extractions of all documents (in any order) into one Corpus."""
    extractions = sorted(extractions, key=lambda e: e.identifier)
    names: dict[str, Counter] = defaultdict(Counter)
    surfaces: dict[str, set[str]] = defaultdict(set)
    types: dict[str, str] = {}
    curated: set[str] = set()
    countries: dict[str, list[str | None]] = defaultdict(list)
    parents: dict[str, list[str | None]] = defaultdict(list)
    sectors: dict[str, set[str]] = defaultdict(set)
    for extraction in extractions:
        for mention in extraction.mentions:
            if mention.type in {"paper", "sector"}:
                continue
            types[mention.key] = mention.type
            names[mention.key][mention.name] += 1
            surfaces[mention.key].add(mention.surface)
            if mention.curated:
                curated.add(mention.key)
        for fact in extraction.organisations:
            countries[fact.key].append(f"country:{fact.country}" if fact.country else None)
            parents[fact.key].append(fact.parent)
            sectors[fact.key].update(fact.sectors)
        for membership in extraction.memberships:
            sectors[membership.person].update(membership.sectors)

    merged = _merge_person_variants([k for k in types if types[k] == "person"], names)
    for variant, full in merged.items():
        names[full].update(names.pop(variant))
        surfaces[full].update(surfaces.pop(variant))
        sectors[full].update(sectors.pop(variant, set()))
        del types[variant]
    entities: dict[str, Entity] = {}
    for key in sorted(types):
        type_ = types[key]
        entry = knowledge.entry(key)
        name = entry.name if entry else _pick(names[key])
        aliases = sorted((set(names[key]) | surfaces[key]) - {name})
        country = entry.country if entry and entry.country else None
        country_key = f"country:{country}" if country else _majority(countries[key])
        parent = (entry.parent if entry and entry.parent else None) or _majority(parents[key])
        if type_ == "country":
            country_key, parent = None, None
        entities[key] = Entity(type_, key, name, aliases, country_key, parent if parent != key else None,
                               sorted(sectors[key]), key in curated)
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
    if merged:
        extractions = [_rename_persons(x, merged) for x in extractions]
    return Corpus(entities, _resolve_papers(extractions), extractions)


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


def _rename_persons(extraction: Extraction, merged: dict[str, str]) -> Extraction:
    from dataclasses import replace

    rename = lambda key: merged.get(key, key)  # noqa: E731
    return replace(
        extraction,
        mentions=[replace(m, key=rename(m.key)) if m.type == "person" else m for m in extraction.mentions],
        memberships=[replace(m, person=rename(m.person)) for m in extraction.memberships],
        papers=[replace(p, creators=tuple(rename(c) for c in p.creators)) for p in extraction.papers],
    )


def _resolve_papers(extractions: list[Extraction]) -> dict[str, Paper]:
    facts: dict[str, list[PaperFact]] = defaultdict(list)
    for extraction in extractions:
        for paper in extraction.papers:
            facts[paper.key].append(paper)
    papers = {}
    for key in sorted(facts):
        group = facts[key]
        titles = Counter(p.title for p in group)
        title = _pick(titles)
        kinds = Counter(p.kind for p in group)
        kind = "series" if "series" in kinds else _pick(kinds)
        papers[key] = Paper(key, title, kind, sorted(set(titles) - {title}), _majority([p.publisher for p in group]),
                            _majority([p.series for p in group]), sorted({c for p in group for c in p.creators}))
    return papers
