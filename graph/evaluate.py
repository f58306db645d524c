"""Score a built graph against a gold annotation (the schema of shared/gold/seeds.json).

Predictions are read from the graph through the graph contract only (schema:mentions,
org:Membership, ...), exactly as an outside user's SPARQL would see them. Per document, a gold
entry matches a predicted entity when any of their names agree after normalisation (case,
punctuation and "and"/"&" ignored). Gold entries marked "optional" are neither required nor
errors.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .knowledge import fold, name_key
from .query import PREFIX_HEADER

TYPES = ("persons", "organisations", "municipalities", "countries", "sectors", "papers", "roles")

PREDICTIONS = {
    "persons": "?e a foaf:Person . { ?e foaf:name ?label } UNION { ?e skos:altLabel ?label }",
    "organisations": "?e a org:Organization . FILTER NOT EXISTS { ?e a kg:Municipality } { ?e skos:prefLabel ?label } UNION { ?e skos:altLabel ?label }",
    "municipalities": "?e a kg:Municipality . { ?e skos:prefLabel ?label } UNION { ?e skos:altLabel ?label }",
    "countries": "?e a schema:Country . ?e skos:prefLabel ?label . FILTER(lang(?label) = 'en')",
    "sectors": "?e a kg:Sector . ?e skos:prefLabel ?label . FILTER(lang(?label) = 'en')",
    "papers": "?e a kg:Paper . { ?e dcterms:title ?label } UNION { ?e dcterms:alternative ?label }",
}

ROLES = """
SELECT ?id ?m ?plabel ?olabel ?title WHERE {
  ?m a org:Membership ; prov:wasDerivedFrom ?doc ; org:member ?p ; org:organization ?o .
  ?doc dcterms:identifier ?id .
  { ?p foaf:name ?plabel } UNION { ?p skos:altLabel ?plabel }
  { ?o skos:prefLabel ?olabel } UNION { ?o skos:altLabel ?olabel }
  OPTIONAL { ?m kg:roleTitle ?title }
}"""


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    true_positives: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    scores: dict[str, Score]
    titles_right: int
    titles_found: int
    errors: list[dict]  # what was missed or wrong, for reading

    @property
    def title_accuracy(self) -> float:
        return self.titles_right / self.titles_found if self.titles_found else 1.0

    def rows(self) -> list[dict]:
        return [{"type": t, "gold": s.gold, "predicted": s.predicted, "correct": s.true_positives,
                 "precision": round(s.precision, 3), "recall": round(s.recall, 3), "f1": round(s.f1, 3)}
                for t, s in self.scores.items()]


INFLECTIONS = ("", "en", "et", "n", "t", "e", "er", "ne", "na")


def same_title(found: str | None, expected: str | None) -> bool:
    """The title as written, up to case, spacing and a definite or plural ending ("socialchefen" = "socialchef")."""
    a, b = " ".join(fold(found or "").split()), " ".join(fold(expected or "").split())
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return bool(short) and long.startswith(short) and long[len(short):] in INFLECTIONS


def open_graph_store(graph: str | Path) -> ox.Store:
    """A store over a build folder (its store/, else its graph.ttl) or a graph file."""
    from .query import open_store

    return open_store(graph)


def _names(entry: dict | str) -> set[str]:
    if isinstance(entry, str):
        return {name_key(entry)}
    values = [entry.get("name") or entry.get("title") or ""] + list(entry.get("aliases") or [])
    return {name_key(v) for v in values if v}


def _optional(entry: dict | str) -> bool:
    return isinstance(entry, dict) and bool(entry.get("optional"))


def _predicted(store: ox.Store) -> dict[str, dict[str, dict[str, set[str]]]]:
    """type -> document id -> entity IRI -> normalised names."""
    found: dict[str, dict[str, dict[str, set[str]]]] = {}
    for type_, pattern in PREDICTIONS.items():
        query = PREFIX_HEADER + f"SELECT ?id ?e ?label WHERE {{ ?doc schema:mentions ?e ; dcterms:identifier ?id . {pattern} }}"
        table: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for row in store.query(query, use_default_graph_as_union=True):
            table[row["id"].value][row["e"].value].add(name_key(row["label"].value))
        found[type_] = table
    return found


def _match(gold: list, predicted: dict[str, set[str]], score: Score, errors: list, doc: str, type_: str) -> dict[int, str]:
    """Greedy one-to-one matching; returns gold index -> matched IRI."""
    unmatched = dict(predicted)
    matched: dict[int, str] = {}
    order = sorted(range(len(gold)), key=lambda i: _optional(gold[i]))
    for index in order:
        entry = gold[index]
        names = _names(entry)
        hit = next((iri for iri, labels in sorted(unmatched.items()) if labels & names), None)
        if hit:
            matched[index] = hit
            del unmatched[hit]
            if not _optional(entry):
                score.true_positives += 1
                score.gold += 1
                score.predicted += 1
        elif not _optional(entry):
            score.gold += 1
            errors.append({"document": doc, "type": type_, "missed": sorted(names)[0]})
    for iri, labels in sorted(unmatched.items()):
        score.predicted += 1
        errors.append({"document": doc, "type": type_, "spurious": sorted(labels)[0] if labels else iri})
    return matched


def evaluate(gold_path: str | Path, graph: str | Path | ox.Store) -> Evaluation:
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    store = graph if isinstance(graph, ox.Store) else open_graph_store(graph)
    predicted = _predicted(store)
    roles_predicted: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in store.query(PREFIX_HEADER + ROLES, use_default_graph_as_union=True):
        slot = roles_predicted[row["id"].value].setdefault(row["m"].value, {"persons": set(), "orgs": set(), "title": None})
        slot["persons"].add(name_key(row["plabel"].value))
        slot["orgs"].add(name_key(row["olabel"].value))
        if row["title"] is not None:
            slot["title"] = row["title"].value
    scores = {t: Score() for t in TYPES}
    errors: list[dict] = []
    titles_right = titles_found = 0
    for doc, annotation in sorted(gold["documents"].items()):
        for type_ in TYPES[:-1]:
            _match(annotation.get(type_, []), predicted[type_].get(doc, {}), scores[type_], errors, doc, type_)
        org_names = {}
        for entry in annotation.get("organisations", []) + annotation.get("municipalities", []):
            org_names[name_key(entry["name"])] = _names(entry)
        # Roles are person-organisation pairs: two titles of one pair ("ordförande", formerly "ledamot")
        # are one pair, and either title counts as right.
        grouped: dict[tuple[str, str], dict] = {}
        for person in annotation.get("persons", []):
            for role in person.get("roles", []):
                pair = (name_key(person["name"]), name_key(role["organisation"]))
                optional = bool(role.get("optional") or person.get("optional"))
                slot = grouped.setdefault(pair, {"person": pair[0], "orgs": org_names.get(pair[1], {pair[1]}),
                                                 "titles": [], "optional": True})
                slot["titles"].append(role.get("title"))
                slot["optional"] = slot["optional"] and optional
        gold_roles = list(grouped.values())
        # One predicted pair per (person, organisation): several titles of one pair count once.
        pairs: dict[tuple, dict] = {}
        for slot in roles_predicted.get(doc, {}).values():
            pair = (min(slot["persons"]), min(slot["orgs"]))
            pairs.setdefault(pair, {**slot, "titles": set()})["titles"].add(slot["title"])
        unmatched = dict(pairs)
        for role in sorted(gold_roles, key=lambda r: r["optional"]):
            hit = next((pair for pair, slot in sorted(unmatched.items())
                        if role["person"] in slot["persons"] and slot["orgs"] & role["orgs"]), None)
            score = scores["roles"]
            if hit:
                slot = unmatched.pop(hit)
                if not role["optional"]:
                    score.true_positives += 1
                    score.gold += 1
                    score.predicted += 1
                    titles_found += 1
                    if any(same_title(found, expected) for found in slot["titles"] for expected in role["titles"]):
                        titles_right += 1
                    else:
                        errors.append({"document": doc, "type": "role title", "expected": role["titles"],
                                       "found": sorted(t or "" for t in slot["titles"])})
            elif not role["optional"]:
                score.gold += 1
                errors.append({"document": doc, "type": "roles", "missed": f"{role['person']} @ {sorted(role['orgs'])[0]}"})
        for pair in sorted(unmatched):
            scores["roles"].predicted += 1
            errors.append({"document": doc, "type": "roles", "spurious": f"{pair[0]} @ {pair[1]}"})
    return Evaluation(scores, titles_right, titles_found, errors)
