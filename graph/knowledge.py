"""Load the curated knowledge and rules of `ontology/` into one immutable `Knowledge` object.

Everything the extractor knows comes from these data files; the code here only parses them.
The object is built once per process and is picklable, so worker processes get the same rules.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import rdflib
from rdflib.namespace import SKOS

KG = rdflib.Namespace("https://w3id.org/social-services-kg/ontology#")


def ontology_dir() -> Path:
    """The ontology data: inside the installed package, or beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "ontology", here.parent / "ontology"):
        if (candidate / "kg.ttl").is_file():
            return candidate
    raise FileNotFoundError("ontology/ data not found beside the graph package")


@functools.lru_cache(maxsize=1 << 16)  # the same words are folded over and over: one normalisation each
def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching names ("Malmö" ~ "malmo" is NOT wanted: only case)."""
    return unicodedata.normalize("NFC", text).casefold()


def alternatives(words) -> str:
    """A word list of the rules as a regex alternation, longest first so that the longest form wins."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def name_key(text: str) -> str:
    """Resolution key of a name: case, punctuation, 'and'/'&' and spacing do not matter."""
    text = fold(text).replace("&", " and ")
    words = re.findall(r"[^\W_]+", text)
    return " ".join(w for w in words if w not in {"and", "og", "och", "the"})


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a data CSV whose leading `#` lines are its documentation."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


def split_cell(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


@dataclass(frozen=True)
class Entry:
    """A curated thing a gazetteer form points at."""

    type: str  # organisation | municipality | country | region
    key: str  # e.g. "municipality:dk-randers"
    name: str  # canonical name
    country: str | None = None
    parent: str | None = None
    languages: tuple[str, ...] = ()
    case_sensitive: bool = False  # acronyms must be written in capitals


@dataclass(frozen=True)
class Role:
    id: str
    en: str
    broader: str | None
    forms: dict[str, tuple[str, ...]]  # language -> written forms


@dataclass(frozen=True)
class SectorSignal:
    sector: str  # sector id, e.g. "health"
    words: tuple[tuple[str, str], ...]  # (language, word)
    stems: tuple[tuple[str, str], ...]  # (language, stem)


@dataclass
class Knowledge:
    """The curated entities, lexicons, schemes and rules, ready for matching."""

    directory: Path
    fingerprint: str
    rules: dict
    entries: dict[str, Entry]
    gazetteer: ahocorasick.Automaton
    countries: dict[str, dict[str, str]]  # id -> {en, da, sv, ...}
    demonyms: dict[str, str]  # folded demonym -> country id
    first_names: frozenset[str]
    roles: dict[str, Role]
    role_forms: dict[str, str]  # folded form -> role id
    role_heads: list[tuple[str, str]]  # (suffix, role id), longest first
    qualifier_words: dict[str, str]  # folded word before a title -> qualifier
    qualifier_phrases: list[tuple[str, str]]  # (folded phrase, qualifier)
    honorifics: frozenset[str]
    party_tags: frozenset[str]
    particles: frozenset[str]
    sectors: dict[str, dict]  # id -> {"labels": {lang: label}, "words": [...], "stems": [...]}
    sector_exclusions: tuple[str, ...] = ()
    title_regex: str = ""
    furniture: re.Pattern = field(default=None)  # type: ignore[assignment]
    furniture_block: re.Pattern = field(default=None)  # type: ignore[assignment]

    def entry(self, key: str) -> Entry | None:
        return self.entries.get(key)


# The modules whose code decides what one document's extraction is: a cached extraction is only
# valid for the same code as well as the same rules (an upgrade of kg re-extracts everything).
EXTRACTION_MODULES = ("read.py", "language.py", "segment.py", "extract.py", "knowledge.py", "records.py")


def _fingerprint(directory: Path) -> str:
    """Changes whenever any data file or the extraction code changes: what an incremental build keys its cache on."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in {".ttl", ".csv", ".toml", ".rq"}):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    code = Path(__file__).parent
    for name in EXTRACTION_MODULES:
        digest.update(name.encode())
        digest.update((code / name).read_bytes())
    return digest.hexdigest()[:16]


def _add_form(automaton_forms: dict[str, list[Entry]], form: str, entry: Entry) -> None:
    form = form.strip()
    if len(form) < 2:
        return
    target = automaton_forms.setdefault(form if entry.case_sensitive else fold(form), [])
    if entry not in target:
        target.append(entry)


def _load_places(directory: Path, forms: dict[str, list[Entry]], entries: dict[str, Entry]) -> dict[str, dict[str, str]]:
    countries: dict[str, dict[str, str]] = {}
    places = directory / "places"
    for row in read_csv(places / "countries.csv"):
        countries[row["id"]] = row
        entry = Entry("country", f"country:{row['id']}", row["en"], country=row["id"])
        entries[entry.key] = entry
        _add_form(forms, row["en"], entry)
        for alias in split_cell(row.get("aliases", "")):
            _add_form(forms, alias, entry)
        # A name in another language is matched in that language's documents only
        # ("Island" is Iceland in Danish, an island in English).
        for lang in ("da", "sv", "no", "de", "fr"):
            if row.get(lang) and row[lang] != row["en"]:
                _add_form(forms, row[lang], Entry("country", entry.key, entry.name, country=row["id"], languages=(lang,)))
    for path in sorted(places.glob("municipalities_*.csv")):
        for row in read_csv(path):
            entry = Entry("municipality", f"municipality:{row['id']}", row["name"], country=row["country"])
            entries[entry.key] = entry
            for form in [row["name"], row.get("en", ""), *split_cell(row.get("aliases", ""))]:
                _add_form(forms, form, entry)
            if row.get("ambiguous", "").lower() != "yes" and row.get("short"):
                _add_form(forms, row["short"], entry)
    regions = places / "regions.csv"
    if regions.is_file():
        for row in read_csv(regions):
            entry = Entry("region", f"organisation:{row['id']}", row["name"], country=row["country"])
            entries[entry.key] = entry
            for form in [row["name"], row.get("en", ""), *split_cell(row.get("aliases", ""))]:
                _add_form(forms, form, entry)
    return countries


def _load_organisations(directory: Path, forms: dict[str, list[Entry]], entries: dict[str, Entry]) -> None:
    for row in read_csv(directory / "entities" / "organisations.csv"):
        languages = tuple(split_cell(row.get("languages", "")))
        parent = f"organisation:{row['parent']}" if row.get("parent") else None
        entry = Entry("organisation", f"organisation:{row['id']}", row["name"], country=row.get("country") or None,
                      parent=parent, languages=languages)
        entries[entry.key] = entry
        for form in [row["name"], *split_cell(row.get("aliases", ""))]:
            _add_form(forms, form, entry)
        for acronym in split_cell(row.get("acronyms", "")):
            _add_form(forms, acronym, Entry(**{**entry.__dict__, "case_sensitive": True}))


def _load_roles(directory: Path) -> tuple[dict[str, Role], dict[str, str], list[tuple[str, str]]]:
    lexicon = directory / "lexicon"
    roles: dict[str, Role] = {}
    role_forms: dict[str, str] = {}
    for row in read_csv(lexicon / "roles.csv"):
        forms = {col[: -len("_forms")]: tuple(split_cell(value)) for col, value in row.items() if col.endswith("_forms")}
        role = Role(row["id"], row["en"], row.get("broader") or None, forms)
        roles[role.id] = role
        for form in [role.en, *(f for group in forms.values() for f in group)]:
            role_forms.setdefault(fold(form), role.id)
    heads = sorted({(fold(r["suffix"]), r["role"]) for r in read_csv(lexicon / "role_heads.csv")},
                   key=lambda item: (-len(item[0]), item))
    return roles, role_forms, heads


def _load_sectors(directory: Path) -> dict[str, dict]:
    graph = rdflib.Graph().parse(directory / "schemes" / "sectors.ttl")
    sectors: dict[str, dict] = {}
    for concept in sorted(graph.subjects(SKOS.inScheme, KG.sectors)):
        sector_id = str(concept).rsplit("#sector-", 1)[1]
        sectors[sector_id] = {
            "labels": {lit.language: str(lit) for lit in graph.objects(concept, SKOS.prefLabel)},
            "words": sorted({(lit.language or "", fold(str(lit))) for lit in graph.objects(concept, SKOS.altLabel)}),
            "stems": sorted({(lit.language or "", fold(str(lit))) for lit in graph.objects(concept, KG.compoundStem)}),
        }
    return sectors


def _title_regex(role_forms: dict[str, str], heads: list[tuple[str, str]]) -> str:
    """One alternation for "any role title": listed forms, longest first, then compound heads.

    Written as a trie when that matches exactly what the flat alternation matches (see `_trie`):
    the regex engine tries a flat alternation's thousands of branches one by one at every place
    it is tried, and a trie's few branches of each letter instead."""
    listed = sorted(role_forms, key=lambda f: (-len(f), f))
    suffix_list = [s for s, _ in heads]
    alternatives = _trie(listed, spaces=True)
    if alternatives is None:
        alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in listed)
    suffixes = _trie(suffix_list, spaces=False) if suffix_list else None
    if suffixes is None:
        suffixes = "|".join(re.escape(s) for s in suffix_list)
    compound = rf"(?:[^\W\d_]+-\s+(?:og|och|and|&|eller)\s+)?[^\W\d_]*(?:{suffixes})" if suffix_list else ""
    parts = ([alternatives] if listed else []) + ([compound] if compound else [])
    return r"(?i:(?:" + "|".join(parts) + r"))(?![^\W\d_])"


def _trie(words: list[str], *, spaces: bool) -> str | None:
    """The alternation of `words` (sorted longest first), case-insensitive, as a trie: the same
    matches in the same order of preference, or None when that cannot be promised.

    At any one place, the words that match form a chain of prefixes of one another, which the
    flat alternation tries longest first; a trie that goes deeper before it stops tries them in
    that order too, provided no character of the text matches two different letters of the words
    (an "ı" matches both "i" and "ı" when the regex ignores case) and a space, read as a run of
    whitespace, always takes the whole run (words without doubled or edge spaces)."""
    if not words or any(not w or (spaces and (w != w.strip() or "  " in w)) for w in words) \
            or any(len(a) < len(b) for a, b in zip(words, words[1:])):
        return None
    alphabet = sorted(set("".join(words)) - ({" "} if spaces else set()))
    if not _distinct_ignoring_case(alphabet):
        return None
    trie: dict = {}
    for word in words:
        node = trie
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}  # a word ends here

    def written(node: dict) -> str:
        parts = [(r"\s+" if spaces and c == " " else re.escape(c)) + written(child) for c, child in sorted(node.items()) if c]
        if "" in node:
            parts.append("")  # after every longer word: longest first
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return written(trie)


def _distinct_ignoring_case(alphabet: list[str]) -> bool:
    """No character of any text matches two of these characters under re.IGNORECASE (and none is
    whitespace), by the rule the regex engine itself follows: a cased pattern letter matches the
    characters whose simple lower case is its own or one of its few extra cases."""
    try:
        import _sre
        from re._casefix import _EXTRA_CASES
    except ImportError:
        return False
    seen: dict[int, str] = {}
    for character in alphabet:
        code = ord(character)
        if len(character) != 1 or character.isspace():
            return False
        if _sre.unicode_iscased(code):
            lower = _sre.unicode_tolower(code)
            matched = {lower, *_EXTRA_CASES.get(lower, ())}
        else:
            matched = {code, _sre.unicode_tolower(code)}
        for lower in matched:
            if seen.setdefault(lower, character) != character:
                return False
    return True


@functools.lru_cache(maxsize=4)
def load_knowledge(directory: str | None = None) -> Knowledge:
    """Parse every data file of the ontology folder (cached per folder)."""
    root = Path(directory) if directory else ontology_dir()
    rules = tomllib.loads((root / "rules" / "extraction.toml").read_text(encoding="utf-8"))
    sector_rules = tomllib.loads((root / "rules" / "sectors.toml").read_text(encoding="utf-8"))
    forms: dict[str, list[Entry]] = {}
    entries: dict[str, Entry] = {}
    countries = _load_places(root, forms, entries)
    _load_organisations(root, forms, entries)

    automaton = ahocorasick.Automaton()
    for form, targets in forms.items():
        automaton.add_word(form, (form, tuple(targets)))
    automaton.make_automaton()

    demonyms = {fold(d): cid for cid, row in countries.items() for d in split_cell(row.get("demonyms", ""))}
    lexicon = root / "lexicon"
    first_names = frozenset(fold(r["name"]) for r in read_csv(lexicon / "first_names.csv"))
    roles, role_forms, heads = _load_roles(root)
    qualifier_words: dict[str, str] = {}
    qualifier_phrases: list[tuple[str, str]] = []
    for row in read_csv(lexicon / "qualifiers.csv"):
        if row["position"] == "before":
            qualifier_words.setdefault(fold(row["form"]), row["qualifier"])
        else:
            qualifier_phrases.append((fold(row["form"]), row["qualifier"]))
    honorific_rows = read_csv(lexicon / "honorifics.csv")
    honorifics = frozenset(fold(r["form"]).rstrip(".") for r in honorific_rows if r["kind"] in {"honorific", "degree"})
    party_tags = frozenset(r["form"] for r in honorific_rows if r["kind"] == "party")
    particles = frozenset(fold(r["form"]) for r in read_csv(lexicon / "surname_particles.csv"))
    furniture = re.compile(r"^(?:" + "|".join(rules["furniture"]["lines"]) + r")$", re.IGNORECASE)
    return Knowledge(
        directory=root,
        fingerprint=_fingerprint(root),
        rules=rules,
        entries=entries,
        gazetteer=automaton,
        countries=countries,
        demonyms=demonyms,
        first_names=first_names,
        roles=roles,
        role_forms=role_forms,
        role_heads=heads,
        qualifier_words=qualifier_words,
        qualifier_phrases=sorted(set(qualifier_phrases)),
        honorifics=honorifics,
        party_tags=party_tags,
        particles=particles,
        sectors=_load_sectors(root),
        sector_exclusions=tuple(fold(p) for p in sector_rules.get("exclude", [])),
        title_regex=_title_regex(role_forms, heads),
        furniture=furniture,
        furniture_block=re.compile(r"^(?:" + "|".join(rules["furniture"]["block_headings"]) + r")$", re.IGNORECASE),
    )
