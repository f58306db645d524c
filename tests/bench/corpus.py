"""A deterministic synthetic corpus for the scale benchmark.

`generate(n_docs, out_dir, seed)` writes n plain-text documents in the genres of the seeds and
of tests/data/dev (appointment news, event programmes with speaker lists, report
announcements with quoted titles, blog posts) in English (40 %), Danish (30 %) and Swedish
(30 %), each 2-6 KB, so 10,000 documents are about 40 MB.

The people, organisations and papers the documents talk about are drawn from pools that grow
with the corpus (about 0.3 persons and 0.05 organisations per document), so the graph grows
like a real one: most names recur in several documents, always with the same organisation
and role. Given names come from ontology/lexicon/first_names.csv, role titles from
ontology/lexicon/roles.csv (the en/da/sv forms), municipalities from
ontology/places/municipalities_{dk,se,gb}.csv; surnames, organisations and paper titles are
invented by combining parts. The sentence shapes are the ones the extraction rules read
("Name, title of Org", "Org's title, Name", "Name, titel i X Kommune", "Name from Org",
"enligt Name, ordförande för Org", timed "Name, title, Org" speaker lines, ...).

Everything is drawn from one `random.Random(seed)` in a fixed order, no set or hash order
is ever iterated, and files are written as UTF-8 with "\\n" line ends: the same arguments
give byte-identical files.

    python -m tests.bench.corpus 1000 /tmp/corpus   # write a corpus by hand
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = ROOT / "ontology"
GENERATOR_VERSION = "1"

LANGUAGES = ("en", "da", "sv")
LANGUAGE_CYCLE = ("en", "da", "sv", "en", "da", "sv", "en", "da", "sv", "en")  # 40/30/30 in every ten
COUNTRY = {"en": "gb", "da": "dk", "sv": "se"}
GENRES = ("news", "programme", "report", "blog")
GENRE_WEIGHTS = (30, 25, 25, 20)
MIN_BYTES, MAX_BYTES = 2048, 6144
PERSONS_PER_DOC, ORGANISATIONS_PER_DOC, REPORTS_PER_DOC = 0.3, 0.05, 0.04

INPUT_FILES = ("lexicon/first_names.csv", "lexicon/roles.csv", "lexicon/qualifiers.csv", "lexicon/honorifics.csv",
               "lexicon/role_heads.csv", "places/municipalities_dk.csv", "places/municipalities_se.csv",
               "places/municipalities_gb.csv", "entities/organisations.csv")

# ------------------------------------------------------------------ inputs


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _rows(relative: str) -> list[dict[str, str]]:
    with (ONTOLOGY / relative).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def inputs_fingerprint() -> str:
    """A hash of this generator and of the ontology files it reads: the key of a cached corpus."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    digest.update(Path(__file__).read_bytes())
    for relative in INPUT_FILES:
        digest.update(relative.encode() + b"\0" + (ONTOLOGY / relative).read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Role:
    id: str
    forms: dict[str, str]  # language -> written form (lower case)


@dataclass(frozen=True)
class Lexicon:
    first_names: dict[str, list[str]]
    roles: list[Role]
    municipalities: dict[str, list[tuple[str, str]]]  # country -> [(name, short)]
    blocked: frozenset[str]  # folded words no invented name may be
    blocked_endings: tuple[str, ...]  # folded endings no invented surname may have
    curated_acronyms: frozenset[str]


MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"],
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "da": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "sv": ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"],
}
COMMON_WORDS = (  # capitalised at a sentence start these would not be names
    "the a an this that its their our in on at for of by with from to and or but if as when all new "
    "den det de en et ett i og och men som der her hos med til till fra från vi jeg jag du han hun hon man "
    "chair head lead member court hall union board unit office service trust forum"
).split()
COMPOUND_HEADS = ("center", "centret", "centeret", "centrum", "forening", "foreningen", "forbund", "förening",
                  "förbund", "institut", "institutet", "styrelse", "universitet", "netværk", "nätverk", "fond",
                  "fonden", "stiftelse", "organisation", "råd", "rådet", "nämnd", "nævn", "akademi", "akademin")


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    first_names: dict[str, list[str]] = {}
    shape = re.compile(r"[A-ZÆØÅÄÖ][a-zæøåäöéü]{2,10}(?:-[A-ZÆØÅÄÖ][a-zæøåäöéü]{2,10})?")
    rows = _rows("lexicon/first_names.csv")
    blocked = {_fold(w) for w in COMMON_WORDS}
    for month_names in MONTHS.values():
        blocked.update(_fold(m) for m in month_names)
    roles = []
    for row in _rows("lexicon/roles.csv"):
        forms = {lang: row[f"{lang}_forms"].split("|")[0].strip() for lang in LANGUAGES}
        for column in ("en_forms", "da_forms", "sv_forms", "no_forms", "de_forms", "fr_forms"):
            blocked.update(_fold(f) for f in (row.get(column) or "").split("|") if f)
        if all(forms.values()):
            roles.append(Role(row["id"], forms))
    for row in _rows("lexicon/qualifiers.csv"):
        blocked.add(_fold(row["form"]))
    for row in _rows("lexicon/honorifics.csv"):
        blocked.add(_fold(row["form"]).rstrip("."))
    endings = {_fold(row["suffix"]) for row in _rows("lexicon/role_heads.csv") if len(row["suffix"]) >= 4}
    endings.update(COMPOUND_HEADS)
    for language in LANGUAGES:
        country = COUNTRY[language]
        names = [r["name"] for r in rows if country in r["countries"].split("|")]
        first_names[language] = [n for n in names if shape.fullmatch(n) and _fold(n) not in blocked
                                 and not any(_fold(n).endswith(e) for e in COMPOUND_HEADS)]
    municipalities = {}
    for country in ("dk", "se", "gb"):
        municipalities[country] = [(r["name"], r["short"] or r["name"]) for r in _rows(f"places/municipalities_{country}.csv")
                                   if r["name"] and "," not in r["name"] and "(" not in r["name"]]
    acronyms = set()
    for row in _rows("entities/organisations.csv"):
        acronyms.update(a for a in (row.get("acronyms") or "").split("|") if a)
    return Lexicon(first_names, roles, municipalities, frozenset(blocked), tuple(sorted(endings)), frozenset(acronyms))


# ------------------------------------------------------------------ the world the corpus talks about


@dataclass
class Municipality:
    name: str
    short: str
    country: str
    language: str

    def genitive(self) -> str:
        return self.name + ("s" if not self.name.endswith("s") else "") if self.language != "en" else self.name + "'s"


@dataclass
class Organisation:
    name: str
    language: str
    acronym: str | None = None
    parent: Municipality | None = None

    def genitive(self) -> str:
        if self.language == "en":
            return self.name + "'s"
        return self.name if self.name.endswith("s") else self.name + "s"


@dataclass
class Person:
    first: str
    last: str
    language: str
    affiliation: Organisation | Municipality
    role: Role

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Report:
    title: str
    language: str
    publisher: Organisation
    authors: list[Person]
    series: str | None = None


@dataclass
class World:
    persons: dict[str, list[Person]] = field(default_factory=dict)
    organisations: dict[str, list[Organisation]] = field(default_factory=dict)
    municipalities: dict[str, list[Municipality]] = field(default_factory=dict)
    reports: dict[str, list[Report]] = field(default_factory=dict)
    series: dict[str, list[str]] = field(default_factory=dict)

    def sizes(self) -> dict[str, int]:
        return {kind: sum(len(v) for v in getattr(self, kind).values())
                for kind in ("persons", "organisations", "municipalities", "reports")}


def _split(total: int) -> dict[str, int]:
    en, da = round(total * 0.4), round(total * 0.3)
    return {"en": en, "da": da, "sv": max(0, total - en - da)}


def _skewed(rng: random.Random, pool: list):
    """Early entries are picked more often (a few names recur a lot, most a few times)."""
    return pool[int(len(pool) * rng.random() ** 1.6)]


EN_REGIONS = ["Northern", "Southern", "Eastern", "Western", "Midlands", "Pennine", "Thames Valley", "Wessex", "Mercia",
              "Cumbrian", "Yorkshire", "Northumbrian", "Cotswold", "Solent", "Humber", "Mersey", "Severn", "Chiltern",
              "Fenland", "Tyneside", "Kentish", "Lakeland", "Peak District", "Coastal"]
EN_TOPICS = ["Care Leadership", "Social Work Practice", "Family Support", "Welfare Innovation", "Ageing Well",
             "Disability Inclusion", "Community Care", "Safeguarding Practice", "Care Management", "Social Care Research",
             "Child Protection", "Integrated Care", "Practice Leadership", "Public Care", "Youth Justice",
             "Mental Health Practice", "Early Intervention", "Housing Support", "Workforce Development", "Care Quality"]
EN_ORG_SHAPES = ["{r} {t} Network", "{r} {t} Association", "{r} Centre for {t}", "{r} Institute for {t}", "{r} {t} Forum",
                 "{r} Association of {t} Leaders", "{r} {t} Trust", "{r} Foundation for {t}"]
DA_MODIFIERS = ["Nordjysk", "Midtjysk", "Sydjysk", "Østjysk", "Vestjysk", "Fynsk", "Sjællandsk", "Bornholmsk",
                "Københavnsk", "Sønderjysk"]
DA_STEMS = ["Ledelses", "Social", "Familie", "Børne", "Ældre", "Handicap", "Velfærds", "Omsorgs", "Udviklings",
            "Kvalitets", "Metode", "Videns", "Rehabiliterings", "Psykiatri", "Misbrugs", "Botilbuds"]
DA_HEADS = ["center", "centret", "foreningen", "forening", "netværket", "instituttet", "forbundet", "akademiet", "fonden"]
SV_MODIFIERS = ["Norrländska", "Västsvenska", "Skånska", "Mellansvenska", "Östgötska", "Småländska", "Värmländska",
                "Uppländska", "Gotländska", "Jämtländska"]
SV_STEMS = ["Socialchefs", "Omsorgs", "Välfärds", "Ledarskaps", "Familje", "Äldreomsorgs", "Funktionsstöds", "Kvalitets",
            "Utvecklings", "Kunskaps", "Socialtjänst", "Barnomsorgs", "Missbruks", "Boende"]
SV_HEADS = ["förbundet", "institutet", "föreningen", "centret", "nätverket", "akademin", "stiftelsen", "centrum"]

DA_PATRONYM_STEMS = ["Ander", "Peder", "Jen", "Niel", "Han", "Ras", "Mad", "Lar", "Søren", "Kristen", "Mikkel", "Thom",
                     "Jakob", "Kjeld", "Poul", "Bent", "Iver", "Knud", "Svend", "Mogen", "Jør", "Erik", "Niko", "Chris",
                     "Tor", "Ebbe", "Frederik", "Ottesen"]
DA_PLACE_STEMS = ["Vester", "Øster", "Nør", "Sønder", "Skov", "Bak", "Holm", "Lund", "Dam", "Kjær", "Bjerre", "Ager",
                  "Møl", "Kirke", "Hede", "Mose", "Strand", "Eng", "Bro", "Fjord", "Dal", "Sand", "Lyng", "Bøg"]
DA_PLACE_ENDS = ["gaard", "holm", "lund", "bjerg", "bæk", "skov", "dal", "strup", "borg", "mose", "høj"]
SV_PATRONYM_STEMS = ["Ander", "Per", "Nil", "Lar", "Karl", "Johan", "Sven", "Erik", "Gustaf", "Olof", "Magnu", "Jön",
                     "Matt", "Håkan", "Göran", "Bengt", "Jakob", "Daniel", "Fredrik", "Henrik", "Jan", "Ols", "Pål"]
SV_NATURE_STEMS = ["Berg", "Lind", "Sjö", "Ek", "Ny", "Hol", "Sand", "Ström", "Fors", "Dahl", "Ås", "Lund", "Hed",
                   "Björk", "Al", "Gran", "Löv", "Mal", "Norr", "Söder", "Väster", "Öster", "Sten", "Fager", "Ljung"]
SV_NATURE_ENDS = ["berg", "ström", "lund", "gren", "kvist", "qvist", "holm", "dahl", "stedt", "mark", "blad", "sten",
                  "fors", "ling", "by"]
EN_SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Johnson", "Roberts",
               "Walker", "Wright", "Robinson", "Thompson", "Hughes", "Edwards", "Green", "Wood", "Harris", "Lewis",
               "Jackson", "Clarke", "Turner", "Hill", "Cooper", "Morris", "Ward", "Moore", "Watson", "Baker",
               "Harrison", "Morgan", "Patel", "Allen", "Mitchell", "Anderson", "Phillips", "Parker", "Davies", "Kelly",
               "Shaw", "Price", "Bennett", "Griffiths", "Carter", "Marshall", "Murphy", "Rourke", "Hartley",
               "Whitfield", "Pritchard", "Lowe", "Karim", "Nowak", "Okafor", "Begum", "Khan", "Hussain", "Doyle",
               "Fletcher", "Gallagher", "Holloway", "Ashworth", "Pennington", "Lindsay", "Mackenzie", "Ferguson",
               "Sutherland", "Llewellyn", "Pryce", "Quinn", "Brennan", "Chaudhry", "Osei", "Adeyemi", "Kowalski"]


def _surnames(language: str, rng: random.Random, lex: Lexicon) -> list[str]:
    if language == "da":
        names = [s + "sen" for s in DA_PATRONYM_STEMS if not s.endswith("sen")] + [s + e for s in DA_PLACE_STEMS
                                                                                    for e in DA_PLACE_ENDS if _fold(s) != e]
        names += ["Holm", "Lund", "Dahl", "Kjær", "Bech", "Vinther", "Thorsø", "Ravn", "Bisgaard", "Mørch", "Aagaard"]
    elif language == "sv":
        names = [s + ("son" if s.endswith("s") else "sson") for s in SV_PATRONYM_STEMS]
        names += [s + e for s in SV_NATURE_STEMS for e in SV_NATURE_ENDS if _fold(s) != e]
        names += ["Lidén", "Öhman", "Marklund", "Sundqvist", "Åberg", "Hedlund", "Ståhl", "Holmström", "Virtanen"]
    else:
        names = list(EN_SURNAMES)
    clean = []
    for name in names:
        folded = _fold(name)
        if folded in lex.blocked or any(folded.endswith(e) for e in lex.blocked_endings) or name in clean:
            continue
        clean.append(name)
    rng.shuffle(clean)
    return clean


def _acronym(name: str) -> str | None:
    initials = "".join(w[0] for w in name.split() if w not in {"for", "of", "and", "the"} and w[0].isupper())
    return initials if 3 <= len(initials) <= 6 else None


def _organisation_name(language: str, rng: random.Random) -> str:
    if language == "en":
        return rng.choice(EN_ORG_SHAPES).format(r=rng.choice(EN_REGIONS), t=rng.choice(EN_TOPICS))
    modifiers, stems, heads = (DA_MODIFIERS, DA_STEMS, DA_HEADS) if language == "da" else (SV_MODIFIERS, SV_STEMS, SV_HEADS)
    stem = rng.choice(stems)
    if rng.random() < 0.5:
        second = rng.choice(stems)
        if second != stem:
            stem += second.lower()
    word = stem + rng.choice(heads)
    return f"{rng.choice(modifiers)} {word}" if rng.random() < 0.6 else word


def build_world(n_docs: int, rng: random.Random) -> World:
    """The pools the documents draw from; their sizes grow with the corpus."""
    lex = lexicon()
    world = World()
    for country, language in (("gb", "en"), ("dk", "da"), ("se", "sv")):
        real = lex.municipalities[country]
        chosen = rng.sample(real, min(len(real), 8 + n_docs // 40))
        world.municipalities[language] = [Municipality(name, short, country, language) for name, short in chosen]
    for language, count in _split(max(9, round(ORGANISATIONS_PER_DOC * n_docs))).items():
        names: list[str] = []
        seen: set[str] = set()
        attempts = 0
        while len(names) < count and attempts < count * 50:
            attempts += 1
            name = _organisation_name(language, rng)
            if name not in seen:
                seen.add(name)
                names.append(name)
        organisations = []
        for name in names:
            acronym = _acronym(name) if language == "en" and rng.random() < 0.5 else None
            if acronym in lex.curated_acronyms:
                acronym = None
            parent = None
            if language != "en" and re.search(r"(?:center|centret|centrum)$", name) and rng.random() < 0.4:
                parent = rng.choice(world.municipalities[language])
            organisations.append(Organisation(name, language, acronym, parent))
        world.organisations[language] = organisations
    roles = lex.roles
    for language, count in _split(max(24, round(PERSONS_PER_DOC * n_docs))).items():
        firsts = rng.sample(lex.first_names[language], min(400, len(lex.first_names[language])))
        lasts = _surnames(language, rng, lex)
        persons: list[Person] = []
        seen_names: set[str] = set()
        attempts = 0
        while len(persons) < count and attempts < count * 50:
            attempts += 1
            first, last = rng.choice(firsts), rng.choice(lasts)
            if language != "en" and rng.random() < 0.15:
                middle = rng.choice(lasts)
                if middle != last:
                    last = f"{middle} {last}"
            elif language == "en" and rng.random() < 0.08:
                other = rng.choice(lasts)
                if other != last:
                    last = f"{last}-{other}"
            full = f"{first} {last}"
            if full in seen_names:
                continue
            seen_names.add(full)
            if rng.random() < 0.55:
                affiliation = _skewed(rng, world.organisations[language])
            else:
                affiliation = _skewed(rng, world.municipalities[language])
            persons.append(Person(first, last, language, affiliation, _skewed(rng, roles)))
        world.persons[language] = persons
    for language in LANGUAGES:
        world.series[language] = [_series_title(language, i) for i in range(max(2, min(12, 1 + n_docs // 400)))]
        reports = []
        seen_titles: set[str] = set()
        count = _split(max(6, round(REPORTS_PER_DOC * n_docs)))[language]
        attempts = 0
        while len(reports) < count and attempts < count * 50:
            attempts += 1
            title = _paper_title(language, rng)
            if title in seen_titles:
                continue
            seen_titles.add(title)
            publisher = _skewed(rng, world.organisations[language])
            authors = [_skewed(rng, world.persons[language]) for _ in range(rng.randint(1, 2))]
            series = rng.choice(world.series[language]) if rng.random() < 0.3 else None
            reports.append(Report(title, language, publisher, authors, series))
        world.reports[language] = reports
    return world


EN_TITLE_A = ["Thin Lines", "Holding the Middle", "Beyond Compliance", "Steady Hands", "Room to Lead", "Under Pressure",
              "Closer to Home", "The Long View", "Shared Ground", "Quiet Change", "Making Room", "Between the Lines",
              "Leading from the Middle", "Trust and Tasks", "Slow Fixes", "Fair Shares", "Common Purpose", "Front Doors",
              "Open Doors", "Small Steps"]
EN_TITLE_NOUNS = ["Leadership Capacity", "Middle Management", "Supervision", "Workforce Planning", "Commissioning",
                  "Practice Governance", "Performance Management", "Budget Pressure", "Recruitment and Retention",
                  "Trust-Based Management"]
EN_TITLE_AREAS = ["Adult Social Care", "Children's Social Care", "Local Government", "Northern Councils", "Home Care",
                  "Residential Care", "Family Support", "Social Work Teams", "Integrated Care Systems", "Municipal Welfare"]
DA_TITLE_A = ["Rum til ledelse", "Tæt på borgeren", "Mellem drift og udvikling", "Ledelse i praksis", "Det nære socialområde",
              "Faglighed først", "Styring med mening", "Tillid og kvalitet", "Fra plan til praksis", "Den svære balance",
              "Ledelse på tværs", "Nye veje", "Kvalitet i hverdagen", "Fælles retning", "Ledelsesrummet under pres"]
DA_TITLE_NOUNS = ["faglig ledelse", "styring", "ledelsesrum", "rekruttering", "tillidsbaseret ledelse", "kvalitetsudvikling",
                  "dokumentation", "samarbejde", "kompetenceudvikling", "økonomistyring"]
DA_TITLE_AREAS = ["ældreområdet", "handicapområdet", "børne- og familieområdet", "socialområdet", "psykiatriområdet",
                  "beskæftigelsesområdet", "misbrugsområdet", "det specialiserede voksenområde"]
SV_TITLE_A = ["Rum att leda", "Nära brukaren", "Mellan drift och utveckling", "Ledarskap i vardagen", "Tillit i praktiken",
              "Styrning med mening", "Kvalitet på riktigt", "Från plan till praktik", "Den svåra balansen",
              "Ledarskap över gränser", "Nya vägar", "Gemensam riktning", "Chefen i mitten", "Att leda förändring",
              "Hållbart ledarskap"]
SV_TITLE_NOUNS = ["första linjens ledarskap", "tillitsbaserad styrning", "kompetensförsörjning", "kvalitetsarbete",
                  "ekonomistyring", "samverkan", "verksamhetsuppföljning", "arbetsmiljö", "chefsstöd", "rekrytering"]
SV_TITLE_AREAS = ["hemtjänsten", "äldreomsorgen", "socialtjänsten", "funktionshinderområdet",
                  "individ- och familjeomsorgen", "barn- och ungdomsvården", "missbruksvården", "LSS-verksamheten"]
SERIES = {
    "en": ["Contemporary Issues in Social Services Leadership", "Leading Care in Practice", "Councils and Care",
           "Practice Leadership Papers", "Care Workforce Briefings", "Public Care Management Notes"],
    "da": ["Ledelse i velfærden", "Socialfaglig ledelse i praksis", "Kommunal styring og kvalitet",
           "Velfærdsledelse og udvikling", "Nye perspektiver på socialområdet", "Fagligt lederskab"],
    "sv": ["Ledarskap i välfärden", "Socialtjänstens styrning", "Kunskap för ledare", "Chefer i omsorgen",
           "Perspektiv på socialtjänsten", "Välfärdens ledare"],
}


def _series_title(language: str, index: int) -> str:
    base = SERIES[language][index % len(SERIES[language])]
    return base if index < len(SERIES[language]) else f"{base} {index // len(SERIES[language]) + 1}"


def _paper_title(language: str, rng: random.Random) -> str:
    if language == "en":
        return f"{rng.choice(EN_TITLE_A)}: {rng.choice(EN_TITLE_NOUNS)} in {rng.choice(EN_TITLE_AREAS)}"
    if language == "da":
        return f"{rng.choice(DA_TITLE_A)}: {rng.choice(DA_TITLE_NOUNS)} på {rng.choice(DA_TITLE_AREAS)}"
    return f"{rng.choice(SV_TITLE_A)}: {rng.choice(SV_TITLE_NOUNS)} inom {rng.choice(SV_TITLE_AREAS)}"


# ------------------------------------------------------------------ text


EN_VERBS = ["said the service had changed more in five years than in the previous twenty", "welcomed the decision",
            "stressed the need for stable leadership in adult social care",
            "presented the findings to the scrutiny committee",
            "argued that supervision is the backbone of good social work",
            "described how the team cut waiting times for assessments",
            "warned that recruitment remains the biggest risk for children's services", "chaired the morning session",
            "will lead the new integrated care programme", "has worked in social care for more than fifteen years",
            "called for a national workforce strategy", "pointed to the role of front-line managers in keeping staff"]
DA_VERBS = ["glæder sig over samarbejdet", "understreger behovet for stabil ledelse på socialområdet",
            "fremlagde resultaterne for byrådet", "peger på, at den faglige ledelse skal styrkes",
            "fortalte om arbejdet med udsatte børn og familier", "advarer mod at skære i forebyggelsen",
            "har arbejdet på ældreområdet i over femten år", "ser frem til at komme i gang",
            "efterlyser en national plan for rekruttering af socialrådgivere", "fremhæver medarbejdernes faglighed",
            "lagde vægt på tværfagligt samarbejde i handicapindsatsen"]
SV_VERBS = ["välkomnar beslutet", "betonar vikten av tillitsbaserad styrning i socialtjänsten",
            "presenterade resultaten för socialnämnden", "menar att första linjens chefer behöver mer stöd",
            "berättade om arbetet med barn och unga", "varnar för att kompetensförsörjningen är den största risken",
            "har arbetat inom äldreomsorgen i mer än femton år", "ser fram emot uppdraget",
            "efterlyser en nationell strategi för kompetensförsörjning", "lyfter fram medarbetarnas kunskap",
            "underströk behovet av samverkan med hälso- och sjukvården"]
FILLER = {
    "en": (["Councils across the region", "Many directors of adult social services", "Front-line managers",
            "Social workers in the teams we visited", "Participants in the new leadership programme", "Local authorities",
            "Service users and carers", "Most of the managers we spoke to", "Commissioners", "Staff in residential care",
            "Our partners in health", "Team managers in children's services"],
           ["are under growing pressure to", "have been asked to", "increasingly want to", "are expected to",
            "find it hard to", "have started to", "are trying to"],
           ["balance budgets with the quality of social care", "keep experienced social workers in post",
            "build trust between practitioners and managers", "share data across health and social care",
            "reduce waiting lists for assessments", "support families before problems escalate",
            "learn from complaints and serious case reviews", "plan the workforce for the next ten years",
            "give team managers time for supervision", "measure outcomes that matter to service users",
            "work with the voluntary sector on prevention", "develop leadership at every level of the organisation",
            "protect older people from isolation", "make home care an attractive job"]),
    "da": (["Mange kommuner", "Lederne på ældreområdet", "Socialrådgiverne", "Den nye ledelsesuddannelse",
            "Forvaltningerne", "Borgerne og deres pårørende", "Medarbejderne i hjemmeplejen",
            "De fleste af de ledere, vi talte med,", "Kommunernes socialchefer",
            "Fagprofessionelle i børne- og familieafdelingerne", "Ledere af botilbud"],
           ["er under pres for at", "forsøger at", "har fået til opgave at", "ønsker i stigende grad at",
            "har svært ved at", "er begyndt at"],
           ["få økonomien til at hænge sammen med kvaliteten i den sociale indsats", "fastholde erfarne socialrådgivere",
            "skabe tillid mellem ledere og medarbejdere", "dele viden på tværs af social- og sundhedsområdet",
            "nedbringe ventetiden på udredning", "støtte familierne, før problemerne vokser",
            "lære af klagesager og tilsynsrapporter", "planlægge rekrutteringen de næste ti år",
            "give de faglige ledere tid til sparring", "måle effekten af indsatsen for udsatte børn",
            "samarbejde med civilsamfundet om forebyggelse", "udvikle ledelse på alle niveauer i organisationen",
            "forebygge ensomhed blandt ældre", "gøre hjemmeplejen til en attraktiv arbejdsplads"]),
    "sv": (["Många kommuner", "Cheferna inom äldreomsorgen", "Socialsekreterarna", "Det nya ledarskapsprogrammet",
            "Förvaltningarna", "Brukarna och deras anhöriga", "Medarbetarna i hemtjänsten",
            "De flesta chefer vi talade med", "Kommunernas socialchefer",
            "Personalen inom individ- och familjeomsorgen", "Enhetscheferna i LSS-verksamheten"],
           ["är under press att", "försöker", "har fått i uppdrag att", "vill i allt högre grad", "har svårt att",
            "behöver"],
           ["få ekonomin att gå ihop med kvaliteten i socialtjänsten", "behålla erfarna socialsekreterare",
            "bygga tillit mellan chefer och medarbetare", "dela kunskap mellan socialtjänst och hälso- och sjukvård",
            "korta väntetiderna för utredning", "stödja familjer innan problemen växer",
            "lära av klagomål och tillsynsrapporter", "planera kompetensförsörjningen för de kommande tio åren",
            "ge första linjens chefer tid för handledning", "mäta resultat som betyder något för brukarna",
            "samverka med civilsamhället kring förebyggande arbete", "utveckla ledarskapet på alla nivåer i organisationen",
            "förebygga ensamhet bland äldre", "göra hemtjänsten till en attraktiv arbetsplats"]),
}
ASIDES = {
    "en": ["This matters because demand keeps rising.", "The evidence on what works is still thin.",
           "None of this is new, but the scale is.", "Budgets for next year are still not settled.",
           "The picture differs a great deal between councils.", "Several participants made the same point."],
    "da": ["Det er vigtigt, fordi efterspørgslen fortsat stiger.", "Der er stadig begrænset viden om, hvad der virker.",
           "Intet af dette er nyt, men omfanget er.", "Budgettet for næste år er endnu ikke på plads.",
           "Billedet er meget forskelligt fra kommune til kommune.", "Flere deltagere pegede på det samme."],
    "sv": ["Det spelar roll eftersom efterfrågan fortsätter att öka.", "Kunskapen om vad som fungerar är fortfarande tunn.",
           "Inget av detta är nytt, men omfattningen är det.", "Budgeten för nästa år är ännu inte klar.",
           "Bilden skiljer sig mycket mellan kommunerna.", "Flera deltagare framförde samma sak."],
}
THEMES = {
    "en": ["Leading Through Pressure", "Managing in Hard Times", "Leadership for Better Outcomes", "Trust and Care",
           "The Middle Manager Matters", "Care at the Front Door", "Leading Integrated Care"],
    "da": ["Faglig ledelse i praksis", "Ledelse af kvalitet", "Styring og ledelse på socialområdet",
           "Tillid i velfærden", "Ledelse tæt på borgeren", "Fremtidens socialfaglige ledelse"],
    "sv": ["Att leda omställningen", "Ledarskap i socialtjänsten", "Tillitsbaserad styrning i praktiken",
           "Chefen i första linjen", "Kvalitet och ledarskap", "Framtidens socialtjänst"],
}


class Writer:
    """Writes one document of one language from the world's pools."""

    def __init__(self, world: World, language: str, rng: random.Random):
        self.world, self.language, self.rng = world, language, rng
        self.named: list[Person] = []  # persons named in full so far (for surname-only mentions)
        self.acronyms: dict[str, Organisation] = {}

    # --- picking

    def person(self) -> Person:
        rng = self.rng
        language = self.language if rng.random() < 0.88 else rng.choice(LANGUAGES)
        person = _skewed(rng, self.world.persons[language])
        self.named.append(person)
        return person

    def organisation(self, language: str | None = None) -> Organisation:
        return _skewed(self.rng, self.world.organisations[language or self.language])

    def municipality(self) -> Municipality:
        return _skewed(self.rng, self.world.municipalities[self.language])

    def title(self, person: Person, capital: bool = False) -> str:
        form = person.role.forms[self.language]
        if capital:
            if self.language == "en":
                small = {"of", "and", "the", "for", "at", "in"}
                return " ".join(w if w in small else w[:1].upper() + w[1:] for w in form.split())
            return form[:1].upper() + form[1:]
        return form

    def org_name(self, body: Organisation | Municipality, *, define: bool = True) -> str:
        """The name of a body; an English organisation with an acronym defines it once, then uses it."""
        if isinstance(body, Organisation) and body.acronym and self.language == "en":
            if body.acronym in self.acronyms and self.acronyms[body.acronym] is body and self.rng.random() < 0.6:
                return body.acronym
            if define and body.acronym not in self.acronyms:
                self.acronyms[body.acronym] = body
                return f"{body.name} ({body.acronym})"
        return body.name

    def genitive(self, body: Organisation | Municipality) -> str:
        if isinstance(body, Organisation) and self.language == "en" and self.acronyms.get(body.acronym or "") is body:
            return f"{body.acronym}'s"
        return body.genitive()

    def verb(self) -> str:
        return self.rng.choice({"en": EN_VERBS, "da": DA_VERBS, "sv": SV_VERBS}[self.language])

    def filler_sentence(self) -> str:
        subjects, verbs, objects = FILLER[self.language]
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(ASIDES[self.language])
        return f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}."

    def filler(self, low: int = 2, high: int = 5) -> str:
        return " ".join(self.filler_sentence() for _ in range(self.rng.randint(low, high)))

    # --- sentence shapes that tie a person to an organisation

    def relation_sentence(self) -> str:
        p = self.person()
        body = p.affiliation
        rng = self.rng
        lang = self.language
        shape = rng.randrange(6)
        if lang == "en":
            prep = "of" if rng.random() < 0.5 else "at"
            if shape == 0:
                return f"{p.name}, {self.title(p)} {prep} {self.org_name(body)}, {self.verb()}."
            if shape == 1:
                return f"{self.genitive(body)} {self.title(p)}, {p.name}, {self.verb()}."
            if shape == 2:
                return f"{p.name} from {self.org_name(body)} {self.verb()}."
            if shape == 3:
                return f"{p.name} ({self.title(p)}, {self.org_name(body, define=False)}) {self.verb()}."
            if shape == 4:
                return f"{self.title(p, capital=True)} {p.name} ({self.org_name(body, define=False)}) {self.verb()}."
            if rng.random() < 0.5:
                return f"The work is far from done, according to {p.name}, {self.title(p)} {prep} {self.org_name(body)}."
            return f"According to {p.name}, {self.title(p)} {prep} {self.org_name(body)}, the work is far from done."
        if lang == "da":
            prep = "i" if isinstance(body, Municipality) or rng.random() < 0.5 else "hos"
            if shape == 0:
                return f"{p.name}, {self.title(p)} {prep} {self.org_name(body)}, {self.verb()}."
            if shape == 1:
                return f"{self.genitive(body)} {self.title(p)}, {p.name}, {self.verb()}."
            if shape == 2:
                return f"{p.name} fra {self.org_name(body)} {self.verb()}."
            if shape == 3 and rng.random() < 0.5:
                return f"Der er lang vej endnu, ifølge {p.name}, {self.title(p)} {prep} {self.org_name(body)}."
            if shape == 3:
                return f"Ifølge {p.name}, {self.title(p)} {prep} {self.org_name(body)}, er der lang vej endnu."
            if shape == 4 and isinstance(body, Organisation) and body.parent:
                return f"{p.name}, {self.title(p)} i {body.name} i {body.parent.name}, {self.verb()}."
            return f"{self.title(p, capital=True)} for {self.org_name(body)}, {p.name}, {self.verb()}."
        prep = "i" if isinstance(body, Municipality) else rng.choice(["vid", "för", "på"])
        if shape == 0:
            return f"{p.name}, {self.title(p)} {prep} {self.org_name(body)}, {self.verb()}."
        if shape == 1 and isinstance(body, Municipality):
            return f"{self.genitive(body)} {self.title(p)} {p.name} {self.verb()}."
        if shape == 2:
            return f"{p.name} från {self.org_name(body)} {self.verb()}."
        if shape == 3 and rng.random() < 0.5:
            return f"Mycket arbete återstår, enligt {p.name}, {self.title(p)} {'för' if prep != 'i' else 'i'} {self.org_name(body)}."
        if shape == 3:
            return f"Enligt {p.name}, {self.title(p)} {'för' if prep != 'i' else 'i'} {self.org_name(body)}, återstår mycket arbete."
        if shape == 4 and isinstance(body, Organisation) and body.parent:
            return f"{p.name}, {self.title(p)} vid {body.name} i {body.parent.name}, {self.verb()}."
        return f"{p.name} ({self.org_name(body)}) {self.verb()}."

    def surname_sentence(self) -> str:
        if not self.named:
            return self.filler_sentence()
        p = self.rng.choice(self.named)
        last = p.last.split()[-1]
        return {"en": f"{last} added that the next year would be decisive.",
                "da": f"{last} tilføjer, at det kommende år bliver afgørende.",
                "sv": f"{last} tillägger att det kommande året blir avgörande."}[self.language]

    def quote(self, speaker: Person) -> str:
        _, _, objects = FILLER[self.language]
        what = self.rng.choice(objects)
        body = self.org_name(speaker.affiliation)
        if self.language == "en":
            return f"“We need to {what}, and we need to do it together,” said {speaker.name}, {self.title(speaker)} at {body}."
        if self.language == "da":
            return f"– Vi skal {what}, og det skal vi gøre sammen, siger {speaker.name}, {self.title(speaker)} i {body}."
        return f"– Vi måste {what}, och det måste vi göra tillsammans, säger {speaker.name}, {self.title(speaker)} vid {body}."

    def paragraph(self) -> str:
        """A body paragraph: filler with a named person or two, like the prose of news and blogs."""
        rng = self.rng
        parts = [self.filler(1, 3), self.relation_sentence()]
        if rng.random() < 0.5:
            parts.append(self.relation_sentence())
        if rng.random() < 0.3:
            parts.append(self.surname_sentence())
        if rng.random() < 0.5:
            parts.append(self.filler(1, 2))
        return " ".join(parts)

    # --- dates

    def date(self) -> dt.date:
        start = dt.date(2012, 1, 1).toordinal()
        return dt.date.fromordinal(start + self.rng.randrange(4748))  # to 2024-12-31

    def written_date(self, day: dt.date, weekday: bool = True) -> str:
        lang = self.language
        month = MONTHS[lang][day.month - 1]
        name = WEEKDAYS[lang][day.weekday()]
        if lang == "en":
            return f"{name} {day.day} {month} {day.year}" if weekday else f"{day.day} {month} {day.year}"
        if lang == "da":
            return f"{name} {day.day}. {month} {day.year}" if weekday else f"{day.day}. {month} {day.year}"
        return f"{name} {day.day} {month} {day.year}" if weekday else f"{day.day} {month} {day.year}"

    # --- genres (the opening blocks; body paragraphs are added to reach the document's size)

    def news(self) -> list[str]:
        rng, lang = self.rng, self.language
        p = self.person()
        body = p.affiliation
        earlier = self.organisation()
        if earlier is body:
            earlier = self.organisation()
        day = self.date()
        speaker = self.person()
        if lang == "en":
            head = f"{body.name} appoints new {self.title(p)}"
            blocks = [head, f"Published {self.written_date(day, weekday=False)}",
                      f"{p.name} has been appointed {self.title(p)} at {self.org_name(body)}. "
                      f"{p.last.split()[-1]} joins from {self.org_name(earlier)}, having worked there since {day.year - rng.randint(2, 9)}.",
                      self.quote(speaker)]
        elif lang == "da":
            blocks = [f"Ny {self.title(p)} i {body.name}", self.written_date(day).capitalize(),
                      f"{p.name} er ansat som ny {self.title(p)} i {body.name}. "
                      f"Hun kommer fra en stilling i {earlier.name} og tiltræder 1. {MONTHS['da'][(day.month % 12)]}.",
                      self.quote(speaker)]
        else:
            blocks = [f"Ny {self.title(p)} i {body.name}", f"Publicerad {self.written_date(day, weekday=False)}",
                      f"{p.name} blir ny {self.title(p)} i {body.name}. "
                      f"Hon kommer närmast från {earlier.name} och tillträder den 1 {MONTHS['sv'][(day.month % 12)]}.",
                      self.quote(speaker)]
        blocks.append(self.paragraph())
        return blocks

    def programme(self) -> list[str]:
        rng, lang = self.rng, self.language
        organiser = self.organisation()
        day = self.date()
        place = self.municipality()
        theme = rng.choice(THEMES[lang])
        if lang == "en":
            blocks = [f"{theme} – {organiser.name} {day.year}",
                      f"Published {self.written_date(day - dt.timedelta(days=rng.randint(20, 90)), weekday=False)}",
                      "Conference programme", f"{self.written_date(day)}, Town Hall, {place.short}",
                      f"The annual conference of the {self.org_name(organiser)} brings together directors, heads of service "
                      f"and team managers. {self.filler(1, 2)}"]
        elif lang == "da":
            blocks = [f"Temadag: {theme}", f"{self.written_date(day).capitalize()}, {place.short}",
                      f"{organiser.name} inviterer til temadag om ledelse på socialområdet. {self.filler(1, 2)}",
                      "PROGRAM OG OPLÆGSHOLDERE:"]
        else:
            blocks = [f"{theme} {day.year}", f"{self.written_date(day).capitalize()}, {place.short}",
                      f"{organiser.name} bjuder in till en dag om ledarskap och styrning i socialtjänsten. {self.filler(1, 2)}",
                      "Program"]
        self._slots = [9 * 60]
        self._organiser = organiser
        blocks.append(self.programme_item())
        return blocks

    def programme_item(self) -> str:
        rng, lang = self.rng, self.language
        minutes = self._slots[-1] + rng.choice([15, 30, 45])
        self._slots.append(minutes)
        clock = f"{minutes // 60:02d}.{minutes % 60:02d}"
        talk = self.talk_title()
        p = self.person()
        body = self.org_name(p.affiliation, define=False)
        kind = rng.randrange(4)
        if lang == "en":
            if kind == 0:
                q = self.person()
                return (f"{clock} Panel: {talk}\nChair: {p.name} ({body})\n• {q.name}, {self.title(q, True)}, "
                        f"{self.org_name(q.affiliation, define=False)}")
            if kind == 1:
                q = self.person()
                return f"{clock} Workshop: “{talk}” – {p.name} ({body}) with {q.name} from {self.org_name(q.affiliation)}"
            return f"{clock} Keynote: “{talk}”\n{p.name}, {self.title(p, True)}, {body}"
        if lang == "da":
            if kind == 0:
                return f"{clock} Velkomst ved {p.name}, {self.title(p)}, {body}"
            if kind == 1:
                return f"  {len(self._slots) - 1}. {p.name}, {self.title(p, True)}, {body}: ”{talk}”"
            return f"{clock} Oplæg ved {p.name}, {self.title(p)} i {body}: ”{talk}”"
        if kind == 0:
            return f"{clock} Välkommen\n{p.name}, {self.title(p)} för {body}"
        if kind == 1:
            return f"{clock} ”{talk}” – {p.name} från {body}"
        return f"{clock} ”{talk}”\n{p.name}, {self.title(p)}, {body}"

    def talk_title(self) -> str:
        rng, lang = self.rng, self.language
        if lang == "en":
            return f"{rng.choice(EN_TITLE_A)}: {rng.choice(EN_TITLE_NOUNS).lower()} in practice"
        if lang == "da":
            return f"{rng.choice(DA_TITLE_A)} – {rng.choice(DA_TITLE_NOUNS)} på {rng.choice(DA_TITLE_AREAS)}"
        return f"{rng.choice(SV_TITLE_A)} – {rng.choice(SV_TITLE_NOUNS)} inom {rng.choice(SV_TITLE_AREAS)}"

    def report(self) -> list[str]:
        rng, lang = self.rng, self.language
        report = _skewed(rng, self.world.reports[lang])
        day = self.date()
        publisher = report.publisher
        authors = report.authors
        self.named.extend(authors)
        a = authors[0]
        if lang == "en":
            blocks = [f"Report: {report.title}", f"Published {self.written_date(day, weekday=False)}",
                      f"The {self.org_name(publisher)} publishes the report “{report.title}”. "
                      f"The report was written by {a.name}, {self.title(a)} at {self.org_name(a.affiliation)}."]
            if report.series:
                blocks.append(f"It is the latest paper in the series ‘{report.series}’. {self.filler(1, 2)}")
        elif lang == "da":
            blocks = [f"Ny rapport: {report.title}", self.written_date(day).capitalize(),
                      f"{publisher.name} udgiver rapporten ”{report.title}”. "
                      f"Rapporten er skrevet af {a.name}, {self.title(a)} i {self.org_name(a.affiliation)}."]
            if report.series:
                blocks.append(f"Rapporten udkommer i serien ”{report.series}”. {self.filler(1, 2)}")
        else:
            blocks = [f"Ny rapport: {report.title}", f"Publicerad {self.written_date(day, weekday=False)}",
                      f"{publisher.name} publicerar rapporten ”{report.title}”. "
                      f"Rapporten är skriven av {a.name}, {self.title(a)} vid {self.org_name(a.affiliation)}."]
            if report.series:
                blocks.append(f"Rapporten ingår i serien ”{report.series}”. {self.filler(1, 2)}")
        if len(authors) > 1:
            b = authors[1]
            blocks.append({"en": f"{b.name} from {self.org_name(b.affiliation)} co-wrote the chapters on practice.",
                           "da": f"{b.name} fra {self.org_name(b.affiliation)} har skrevet kapitlerne om praksis.",
                           "sv": f"{b.name} från {self.org_name(b.affiliation)} har skrivit kapitlen om praktiken."}[lang])
        blocks.append(self.quote(self.person()))
        blocks.append(self.paragraph())
        return blocks

    def blog(self) -> list[str]:
        rng, lang = self.rng, self.language
        day = self.date()
        p = self.person()
        q = self.person()
        if lang == "en":
            blocks = [self.written_date(day), f"{rng.choice(THEMES['en'])}: notes from a week in practice",
                      f"Last week I met {p.name} from {self.org_name(p.affiliation)}. {self.filler(1, 3)}",
                      f"My colleague {q.name}, {self.title(q)} at {self.org_name(q.affiliation)}, put it well. {self.filler(1, 2)}"]
        elif lang == "da":
            blocks = [self.written_date(day), f"{rng.choice(THEMES['da'])} – tanker efter en uge i praksis",
                      f"I sidste uge mødte jeg {p.name} fra {p.affiliation.name}. {self.filler(1, 3)}",
                      f"Min kollega {q.name}, {self.title(q)} i {q.affiliation.name}, sagde det godt. {self.filler(1, 2)}"]
        else:
            blocks = [self.written_date(day), f"{rng.choice(THEMES['sv'])} – tankar efter en vecka i praktiken",
                      f"Förra veckan träffade jag {p.name} från {p.affiliation.name}. {self.filler(1, 3)}",
                      f"Enligt {q.name}, {self.title(q)} {'i' if isinstance(q.affiliation, Municipality) else 'för'} "
                      f"{q.affiliation.name}, är tilliten avgörande. {self.filler(1, 2)}"]
        if rng.random() < 0.5:
            report = _skewed(rng, self.world.reports[lang])
            blocks.append({"en": f"I have been reading the report “{report.title}” again.",
                           "da": f"Jeg har læst rapporten ”{report.title}” igen.",
                           "sv": f"Jag har läst rapporten ”{report.title}” igen."}[lang])
        return blocks

    def document(self, genre: str, target: int) -> str:
        blocks = getattr(self, genre)()
        text = "\n\n".join(blocks)
        attempts = 0
        while len(text.encode()) < target and attempts < 200:
            attempts += 1
            if genre == "programme" and self.rng.random() < 0.6 and self._slots[-1] < 17 * 60:
                block = self.programme_item()
            elif self.rng.random() < 0.08:
                block = self.filler(1, 2)
            else:
                block = self.paragraph()
            candidate = f"{text}\n\n{block}"
            if len(candidate.encode()) + 1 > MAX_BYTES:
                continue  # too long: try a shorter block
            text = candidate
        if genre == "programme":
            closing = {"en": f"Delegate places are free for members of the {self._organiser.name}.",
                       "da": "Tilmelding senest fire uger før via foreningens hjemmeside.",
                       "sv": "Anmälan senast fyra veckor innan via webbplatsen."}[self.language]
            if len(f"{text}\n\n{closing}\n".encode()) <= MAX_BYTES:
                text = f"{text}\n\n{closing}"
        return text + "\n"


# ------------------------------------------------------------------ the corpus


def generate(n_docs: int, out_dir: Path, seed: int = 7) -> dict:
    """Write n_docs documents into out_dir (created; must be empty); return a summary.

    The summary holds docs, bytes, languages (documents per language) and, for the record,
    genres and the sizes of the pools the documents were drawn from.
    """
    if n_docs < 1:
        raise ValueError("n_docs must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; generate into a fresh folder")
    rng = random.Random(seed)
    world = build_world(n_docs, rng)
    languages = {lang: 0 for lang in LANGUAGES}
    genres = {genre: 0 for genre in GENRES}
    total = 0
    width = max(6, len(str(n_docs - 1)))
    for index in range(n_docs):
        language = LANGUAGE_CYCLE[index % len(LANGUAGE_CYCLE)]
        genre = rng.choices(GENRES, weights=GENRE_WEIGHTS)[0]
        target = rng.randint(MIN_BYTES + 200, MAX_BYTES - 900)
        text = Writer(world, language, rng).document(genre, target)
        data = text.encode("utf-8")
        (out / f"{index:0{width}d}_{language}_{genre}.txt").write_bytes(data)
        languages[language] += 1
        genres[genre] += 1
        total += len(data)
    return {"docs": n_docs, "bytes": total, "languages": languages, "genres": genres, "seed": seed,
            "pools": world.sizes(), "generator": GENERATOR_VERSION, "fingerprint": inputs_fingerprint()}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Write a synthetic benchmark corpus.")
    parser.add_argument("n_docs", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.n_docs, args.out_dir, args.seed), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
