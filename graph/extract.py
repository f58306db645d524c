"""Per-document extraction: a pure function of a Document and the Knowledge.

Names are found first (curated gazetteer, then head-word, acronym and first-name patterns),
overlaps are settled (the longer name wins), and relations are read from the text *between*
two names of one sentence, with the gap patterns of ontology/rules/extraction.toml.
"""
from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import ahocorasick

from .knowledge import Entry, Knowledge, alternatives, fold, name_key
from .records import Document, Extraction, Membership, Mention, OrganisationFact, PaperFact
from .segment import Sentence, content_lines, sentences

UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŸŹŻŽ"
CAP = rf"[{UPPER}][^\W_]*(?:-[^\W_]+)*"
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*-?")
LETTERS = re.compile(r"[^\W\d_]+")
TAIL_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*-?")
VOWEL = "[AEIOUYÆØÅÄÖÜÉ]"
ABBREVIATION = re.compile(r"(?<![^\W_])[^\W\d_]+\.")
# Two or more words in capitals, one of them four letters or longer: a heading's name written in capitals.
CAPITALS_RUN = re.compile(rf"(?<![^\W\d_])(?=[{UPPER}-]*[{UPPER}]{{4}})[{UPPER}][{UPPER}-]*(?:[ ][{UPPER}][{UPPER}-]*)+(?![^\W\d_])"
                          rf"|(?<![^\W\d_])[{UPPER}][{UPPER}-]*(?:[ ][{UPPER}][{UPPER}-]*)*[ ](?=[{UPPER}-]*[{UPPER}]{{4}})[{UPPER}][{UPPER}-]*(?![^\W\d_])")
FOUR_CAPITALS = re.compile(rf"[{UPPER}]{{4}}")
TWO_CAPITALS = re.compile(r"[A-ZÆØÅÄÖ]{2}")
EARLIER_POST = re.compile(r"\x00[^,;.:!?\x00]*(?=,)|\x00")  # a blanked title and its words, to the comma
CONJUNCT_BEFORE = re.compile(r"(?<![^\W\d_])[^\W\d_]+-\s+(?:og|och|and|&|eller)\s+$")  # "social- og " before "sundhedschef"
GENITIVE = re.compile(r"^(?:['’]s|:s|s)(?![^\W_])")
QUOTE_OPEN = "‘“”\"'«„"
QUOTED = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(:]))([‘“”\"'«„])(?P<inner>[^‘“”\"«»\n]{3,220}?)(?:[’'](?![^\W\d_])|[”\"»“]|(?=\s*$))")


@dataclass
class Span:
    """A name found in a sentence (offsets relative to the sentence)."""

    type: str
    start: int
    end: int
    key: str
    name: str
    curated: bool = False
    priority: int = 0
    unit: bool = False
    region: bool = False
    genitive: bool = False
    country: str | None = None
    parent: str | None = None
    parent_type: str | None = None
    sectors: tuple[str, ...] = ()
    form_end: int = -1  # end of the name itself, before a genitive ending

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def name_end(self) -> int:
        return self.form_end if self.form_end >= 0 else self.end


@dataclass
class DocumentState:
    """What one document has established so far: acronyms it defined, persons it named."""

    language: str
    acronyms: dict[str, Span] = field(default_factory=dict)
    context: Span | None = None  # the municipality the document is about, for titles named without one
    employer: Span | None = None  # whom posts named without a body are held at: the context, unless that is a committee
    block: Span | None = None  # the body a heading names ("Socialnämnden"), for the list under it
    body: Span | None = None  # the organisation the document talks most about, for offices named without one
    persons: dict[str, str] = field(default_factory=dict)  # key -> full name
    # `_surnames`' reading of `persons` (which only grows), kept until a person is added
    surname_owners: tuple[int, dict[str, set[str]], set[str]] = (0, {}, set())


def same_length_fold(text: str) -> str:
    folded = text.lower()
    return folded if len(folded) == len(text) else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def any_of(words, *, after: str = r"(?![^\W_])", flags: int = 0) -> re.Pattern:
    """One pattern for a word list of the rules: any of the words, whole words only, followed by
    `after` (the end of a word by default; r"\\s+$" for "just before this point")."""
    return re.compile(r"(?<![^\W_])(?:" + alternatives(words) + r")" + after, flags)


def required_literal(pattern: str) -> str:
    """The longest run of plain characters every match of the pattern holds (its top-level literals in
    a row), for a cheap test before the pattern is run; "" when the pattern ignores case."""
    parsed = re._parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return ""
    best, run = "", []
    for op, value in [*parsed, (None, None)]:
        if op is re._constants.LITERAL:
            run.append(chr(value))
            continue
        best, run = max(best, "".join(run), key=len), []
    return best


def entity_key(type_: str, name: str) -> str:
    return f"{type_}:~{name_key(name)}"


class Extractor:
    """Compiled rules; `extract(document)` is the pure per-document function."""

    def __init__(self, knowledge: Knowledge):
        self.k = knowledge
        rules = knowledge.rules
        org = rules["organisation"]
        self.not_name = set(org["not_name_words"])
        self.generic_bodies = {fold(w) for w in org["generic_bodies"]}
        self.lower_unit_heads = tuple(fold(w) for w in org["lower_unit_heads"])
        self.conjunct_unit_heads = {fold(w) for w in org["conjunct_unit_heads"]}
        self.descriptor_heads = {fold(w) for w in org["descriptor_heads"]}
        self.state_genitive = any_of(org["state_genitives"], after=r"[ ]$")
        self.political_body_heads = tuple(fold(w) for w in org["political_body_heads"])
        heads = alternatives(org["english_heads"])
        connectors = "|".join(map(re.escape, org["english_tail_connectors"]))
        pre = rf"(?:(?:{CAP}['’]?|[A-Z]{{2,8}})(?:\s+(?:and|&))?\s+){{0,7}}"  # "Taxpayers' Alliance"
        tail = rf"(?:\s+(?:{connectors})\s+(?:the\s+)?{CAP}(?:\s+{CAP}){{0,6}}){{0,4}}"
        self.english_head = re.compile(heads)  # the cheap test first: no head, no name of this kind
        self.english_org = re.compile(rf"(?<![^\W_])(?P<pre>{pre})(?P<head>{heads})(?![^\W_])(?P<tail>{tail})")
        self.compound_heads = sorted((fold(h) for h in org["compound_heads"]), key=len, reverse=True)
        self.compound_head_set = set(self.compound_heads)
        self.compound_head_lengths = sorted({len(h) for h in self.compound_heads}, reverse=True)
        separate = "|".join(map(re.escape, org["separate_heads"]))
        self.separate_head = re.compile(separate)  # the cheap test first
        self.separate_org = re.compile(rf"(?<![^\W_])(?P<pre>(?:{CAP}\s+){{1,3}})(?P<head>{separate})(?![^\W_])")
        units = alternatives(org["unit_heads"])
        # Bounded repetition: a long line of capitalised words must not make the match quadratic.
        run = rf"{CAP}(?:(?:,\s*|\s+)(?:(?:and|og|och|&)\s+)?{CAP}){{0,8}}"
        self.unit_words = list(org["unit_heads"])
        self.unit_before = re.compile(rf"(?P<name>{run})\s+(?P<head>{units})(?![^\W_])")
        self.unit_after = re.compile(rf"(?P<head>{units})\s+on\s+(?P<name>{run})")
        self.unit_quoted = re.compile(rf"[‘“\"'](?P<name>[^’”\"'\n]{{3,80}})[’”\"']\s+(?P<head>{units})(?![^\W_])")
        self.honorific_forms = sorted({h for h in knowledge.honorifics if len(h) > 1 and h.isalpha()} |
                                      {"Dr", "Prof", "Professor", "Cllr", "Councillor", "Sir", "Dame", "Mr", "Mrs", "Ms"})
        self.honorific_forms = [h[0].upper() + h[1:] for h in self.honorific_forms]
        self.party_pattern = alternatives(knowledge.party_tags) or "S"
        self.tail_prepositions = set(org["head_tail_prepositions"])
        self.context_patterns = self._context_patterns()
        self.peer = re.compile(rf"(?<![^\W\d_])(?P<name>(?:{alternatives(rules['person']['peerage_ranks'])})[ ]"
                               rf"(?P<title>{CAP})(?:[ ]of[ ](?:the[ ])?{CAP}(?:[ ]{CAP})?)?)(?![^\W\d_])")
        self.tail_stop_words = set(org["head_tail_stop_words"])
        self.tail_heads = set(org["tail_heads"])
        self.english_heads = {fold(h) for h in org["english_heads"]}
        self.acronym = rules["acronym"]["pattern"]
        self.acronym_after_preposition = re.compile(
            rf"(?<![^\W_])(?:{alternatives(rules['relation']['titled']['org_prepositions'])})\s+(?P<acr>[A-ZÆØÅÄÖ]{{2,6}})(?![^\W_]|['’:]s)")
        self.acronym_token = re.compile(rf"(?<![^\W_])(?P<acr>{self.acronym})(?P<gen>s|['’]s|:s)?(?![^\W_])")
        self.acronym_skip = set(rules["acronym"]["skip_words"])
        self.municipal_unit_heads = tuple(rules["organisation"]["municipal_unit_heads"])
        self.discourse_words = {fold(w) for w in rules["relation"]["titled"]["discourse_words"]}
        self.dateline = re.compile(rules["relation"]["titled"]["dateline"])
        self.dateline_lines = rules["relation"]["titled"]["dateline_lines"]
        self.deputy_prefixes = {fold(w) for w in rules["relation"]["titled"]["deputy_prefixes"]}
        self.genitive_owner = re.compile(rf"(?<![^\W_])(?P<owner>{CAP}(?:[ ]{CAP}){{0,2}})s[ ]$")
        self._titles_in = functools.lru_cache(maxsize=4096)(self._find_titles)
        # Pure functions of a word (or a sentence) under the rules, asked again and again: each read once.
        self._words = functools.lru_cache(maxsize=4096)(self._find_words)
        self._word_texts = functools.lru_cache(maxsize=4096)(self._find_word_texts)
        self._first_names_at = functools.lru_cache(maxsize=4096)(self._find_first_names)
        self._context_persons = functools.lru_cache(maxsize=4096)(self._find_context_persons)
        self._is_first_name = functools.lru_cache(maxsize=1 << 16)(self._is_first_name)
        self._compound_head = functools.lru_cache(maxsize=1 << 16)(self._compound_head)
        self._may_name_unit = functools.lru_cache(maxsize=1 << 16)(self._may_name_unit)
        self.place_named_bodies = {fold(w) for w in rules["organisation"]["place_named_bodies"]}
        self.place_of_body = re.compile(rf"[ ](?:i|in|för|for)[ ]{CAP}(?:[ ]{CAP})?(?:[ ](?:län|amt|County))?(?![^\W_])")
        self.name_continuation = re.compile(
            rf"(?:,[ ]{CAP})*[ ](?:{alternatives(rules['organisation']['name_conjunctions'])})[ ]{CAP}(?![^\W_]|[ ]{CAP})")
        body_after = rules["relation"]["titled"]["body_after_title"]
        self.body_connectors = set(body_after["connectors"])
        self.name_connectors = self.body_connectors | set(rules["organisation"]["name_conjunctions"])
        self.department_words = tuple(body_after["department_words"])
        self.department_prepositions = set(body_after["department_prepositions"])
        self.body_after_title = re.compile(
            rf"(?:\s+(?P<preposition>{alternatives(body_after['prepositions'])})\s+|\s*,\s*)"
            rf"(?P<name>[{UPPER}][\w&'’.-]*(?:(?:\s+(?:{alternatives(body_after['connectors'])}))?\s+[{UPPER}][\w&'’.-]*){{0,6}})"
            r"(?P<closed>\s*(?:$|\n|[,;:]|\.(?:\s|$)))?")
        self.place = re.compile(rules["place"]["pattern"])
        self.municipality_patterns = [
            (re.compile(p["pattern"]), p, required_literal(p["pattern"])) for p in rules["municipality"]["patterns"]
        ]
        title = knowledge.title_regex
        self.relation_rules = []
        for pattern in rules["relation"]["patterns"]:
            compiled = dict(pattern)
            compiled["gap"] = re.compile(pattern["gap"].replace("{TITLE}", f"(?:{title})"), re.IGNORECASE)
            if "title_before" in pattern:
                compiled["title_before"] = re.compile(pattern["title_before"].replace("{TITLE}", f"(?:{title})"), re.IGNORECASE)
            self.relation_rules.append(compiled)
        self.parents = [dict(p, gap=re.compile(p["gap"])) for p in rules["relation"]["parents"]]
        titled = rules["relation"]["titled"]
        self.title_forms = ahocorasick.Automaton()
        for form in knowledge.role_forms:
            self.title_forms.add_word(form, form)
        self.title_forms.make_automaton()
        self.title_heads = {suffix for suffix, _ in knowledge.role_heads}
        self.title_head_lengths = sorted({len(h) for h in self.title_heads}, reverse=True)
        self.title_at_start = re.compile(rf"^\s*(?:,|\s{{2,}}|–|-)?\s*(?P<title>{title})", re.IGNORECASE)
        self.title_line = re.compile(rf"^(?P<title>{title})", re.IGNORECASE)
        self.title_cell = re.compile(rf"^(?P<title>{title}(?:\s+(?:for|of|för|af)\s+[^()]+?)?)(?:\s*\((?P<office>[^()]+)\))?$", re.IGNORECASE)
        phrases = sorted({p for p, _ in knowledge.qualifier_phrases}, key=len, reverse=True)
        self.qualifier_phrase_of = dict(knowledge.qualifier_phrases)
        self.qualifier_phrase = any_of(phrases) if phrases else None
        self.person_gap_words = {fold(w) for w in titled["person_gap_words"]}
        prepositions = alternatives(titled["org_prepositions"])
        self.place_preposition_before = any_of(titled["place_prepositions"], after=r"\s+$")
        self.minutes_word = any_of(rules["relation"]["title_units"]["minutes_words"], flags=re.IGNORECASE)
        self.unchanged_plural_endings = tuple(titled["unchanged_plural_endings"])
        self.municipal_title_prefixes = tuple(fold(p) for p in titled["municipal_title_prefixes"])
        self.discourse_bodies = {fold(w): fold(stem) for w, stem in titled["discourse_bodies"].items()}
        self.discourse_body_after = re.compile(
            rf"\s+(?:{alternatives(titled['org_prepositions'])})\s+(?P<word>{alternatives(titled['discourse_bodies'])})(?![^\W_])",
            re.IGNORECASE)
        self.list_item_end = re.compile(rf"\s*(?:[,;.)]|$|(?:{alternatives(titled['list_conjunctions'])})\s)", re.IGNORECASE)
        self.title_to_org = re.compile(rf"^\s*(?:,\s*|\(\s*|\s+(?:{prepositions})\s+(?:the\s+)?)$", re.IGNORECASE)
        self.pronouns = set(titled["pronouns"])
        self.address_titles = {fold(t) for t in titled["address_titles"]}
        self.media_heads = tuple(fold(h) for h in titled["media_heads"])
        self.discourse = any_of(titled["discourse_words"], flags=re.IGNORECASE)
        self.byline = re.compile(titled["byline"])
        self.body_prepositions = {fold(w) for w in titled["body_prepositions"]}
        self.appointed = any_of(titled["appointment_words"], flags=re.IGNORECASE)
        self.hire_gap = re.compile(rf"^\s+(?:{alternatives(titled['hire_verbs'])})\s+$", re.IGNORECASE)
        self.hire_as = re.compile(rf"^\s*,?\s*(?:{alternatives(titled['hire_as'])})\s+(?:(?:{alternatives(titled['hire_as_determiners'])})\s+)*$",
                                  re.IGNORECASE)
        self.shared_title = re.compile(titled["shared_title"], re.IGNORECASE)
        self.plural_endings = tuple(titled["plural_endings"])
        # "(Carers UK)", "(King's Fund)", "(Institut for Velfærdsledelse)": capitalised words and connectors
        affiliation_word = r"[A-ZÆØÅÄÖ][\w&'’.-]*"
        self.affiliation = re.compile(rf"(?:\s+[A-Z]{{2,4}}(?![\w(]))*\s*\(\s*(?P<name>{affiliation_word}(?:\s+(?:(?:of|for|and|&|the|og|och|af|för|i)\s+)?{affiliation_word}){{0,6}})\s*\)")
        self.elsewhere_place = any_of(titled["elsewhere_place_words"], after=r"\s+$", flags=re.IGNORECASE)
        self.deputy_prefix = any_of(titled["deputy_prefixes"], after=r"\s+$")
        connectors = "|".join(map(re.escape, titled["department_connectors"]))
        self.department = re.compile(rf"^\s+(?:{connectors})\s+(?:{CAP}|[a-zæøåäö]+-)(?:\s+(?:(?:{connectors})\s+)?(?:{CAP}|[a-zæøåäö]+-))*")
        # "for social work", "for children's services", "for adult social care, health and wellbeing";
        # not "for two terms", not "för funktionsstöd, varit tillförordnad socialchef"
        lower_word = r"(?!(?:one|two|three|four|five|six|seven|eight|nine|ten|several|many|the|a|an|years?|to|tre|fire|fem|två|fyra|år)\b)[a-zæøåäöé]+(?:[-'’][a-zæøåäöé]+)*"
        words = rf"{lower_word}(?:\s+{lower_word}){{0,3}}"
        self.lower_department = re.compile(rf"^\s+(?:for|för|of)\s+{words}(?:(?:\s*,\s*{words})*\s+(?:og|och|and)\s+{words})?(?=\s*(?:[,.;:()]|$))")
        self.title_only = re.compile(rf"^(?:{title})$", re.IGNORECASE)
        paper = rules["paper"]
        self.paper_nouns = {fold(n): kind for n, kind in paper["nouns"].items()}
        self.paper_nouns_by_length = sorted(self.paper_nouns, key=len, reverse=True)
        self.titled = re.compile(paper["titled"] + r"(?P<title>[^.!?\n]{4,200})", re.IGNORECASE)
        self.publish = re.compile(r"^\s*(?:\([^)]{1,80}\)\s*)?(?:" + "|".join(map(re.escape, paper["publish_verbs"])) + r")\b", re.IGNORECASE)
        self.in_series = re.compile(paper["in_series"], re.IGNORECASE)
        months = rules["date"]["months"]
        month_names = alternatives(months)
        self.months = months
        self.date_written = re.compile(rf"(?<![\w])(?P<day>\d{{1,2}})\.?\s+(?P<month>{month_names})\.?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.IGNORECASE)
        self.date_english = re.compile(rf"(?<![\w])(?P<month>{month_names})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>(?:19|20)\d\d)(?!\d)", re.IGNORECASE)
        self.date_iso = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)(?!\d)")
        self.sector_patterns = self._sector_patterns()
        self.gazetteers = self._split_gazetteer()
        self.sector_openings = self._sector_openings()
        self._sectors_of_name = functools.lru_cache(maxsize=1 << 14)(self._sectors_in)
        self.sector_exclusion = (
            any_of(knowledge.sector_exclusions)
            if knowledge.sector_exclusions else None
        )

    # ----------------------------------------------------------------- sectors

    def _sector_patterns(self) -> dict[str, list[tuple[str, re.Pattern]]]:
        """language -> [(sector id, pattern)]: whole words with inflections, and compound stems."""
        endings = r"(?:s|e|en|et|er|erne|ene|ar|arna|or|orna|na|n|t|es|ns|ets|ens|['’]s)?"
        by_language: dict[str, list[tuple[str, re.Pattern]]] = {}
        for sector_id, sector in self.k.sectors.items():
            languages = {lang for lang, _ in sector["words"]} | {lang for lang, _ in sector["stems"]}
            for language in sorted(languages):
                words = [re.escape(w).replace(r"\ ", r"\s+") for lang, w in sector["words"] if lang == language]
                stems = [re.escape(s) for lang, s in sector["stems"] if lang == language]
                parts = []
                if words:
                    parts.append(rf"(?<![^\W_])(?:{'|'.join(sorted(words, key=len, reverse=True))}){endings}(?![^\W_])")
                if stems:
                    parts.append(rf"(?<![^\W_-])(?:{'|'.join(stems)})[^\W_]*")
                by_language.setdefault(language, []).append((sector_id, re.compile("|".join(parts))))
        return by_language

    def _split_gazetteer(self) -> dict[bool, ahocorasick.Automaton | None]:
        """The curated forms in two automata, the ones matched ignoring case (read in the folded text)
        and the ones matched as written (acronyms), each form with only its entries of that kind:
        the text itself is searched for the few acronyms only."""
        automata = {}
        for case_sensitive in (False, True):
            automaton = ahocorasick.Automaton()
            for key, (form, targets) in self.k.gazetteer.items():
                entries = [t for t in targets if t.case_sensitive == case_sensitive]
                if entries:
                    automaton.add_word(key, (form, entries))
            automaton.make_automaton()
            automata[case_sensitive] = automaton if len(automaton) else None  # an empty automaton cannot be searched
        return automata

    def _sector_openings(self) -> dict[str, ahocorasick.Automaton | None]:
        """language -> an automaton of the literal words a sector's match opens with (a word's letters up
        to its first space, a stem), each to the indexes of the sectors in `sector_patterns` it opens."""
        by_language: dict[str, ahocorasick.Automaton | None] = {}
        for language, patterns in self.sector_patterns.items():
            openings: dict[str, set[int]] = {}
            for index, (sector_id, _) in enumerate(patterns):
                sector = self.k.sectors[sector_id]
                for piece in [w.split(" ")[0] for lang, w in sector["words"] if lang == language] + \
                        [s for lang, s in sector["stems"] if lang == language]:
                    openings.setdefault(piece, set()).add(index)
            automaton = ahocorasick.Automaton()
            for piece, indexes in openings.items():
                automaton.add_word(piece, (len(piece), tuple(sorted(indexes))))
            automaton.make_automaton()
            by_language[language] = None if not openings or "" in openings else automaton
        return by_language

    def sectors_in(self, text: str, language: str) -> tuple[tuple[str, int, int], ...]:
        """(sector id, start, end of its first signal) for the sectors the text signals."""
        if len(text) <= 200:  # names and titles recur: each is read once
            return self._sectors_of_name(text, language)
        return self._sectors_in(text, language)

    def _sectors_in(self, text: str, language: str) -> tuple[tuple[str, int, int], ...]:
        folded = same_length_fold(text)
        if self.sector_exclusion:
            folded = self.sector_exclusion.sub(lambda m: " " * len(m.group(0)), folded)
        signal_language = {"no": "da", "nb": "da", "nn": "da"}.get(language, language)
        if signal_language not in self.sector_patterns:
            signal_language = "en"
        patterns = self.sector_patterns[signal_language]
        openings = self.sector_openings[signal_language]
        if openings is None:
            starts = [[0] for _ in patterns]
        else:
            # A match starts where one of its sector's opening words does: the pattern is tried
            # there only, in order, not at every character of a long text.
            starts = [[] for _ in patterns]
            for end, (length, indexes) in openings.iter(folded):
                for index in indexes:
                    starts[index].append(end - length + 1)
        found = []
        for (sector_id, pattern), positions in zip(patterns, starts):
            for position in sorted(set(positions)):
                match = pattern.match(folded, position) if openings is not None else pattern.search(folded)
                if match:
                    found.append((sector_id, match.start(), match.end()))
                    break
        return tuple(found)

    # ----------------------------------------------------------------- names

    def _gazetteer(self, text: str, state: DocumentState) -> list[Span]:
        spans = []
        folded = same_length_fold(text)
        for haystack, case_sensitive in ((folded, False), (text, True)):
            automaton = self.gazetteers[case_sensitive]
            for end, (form, entries) in automaton.iter(haystack) if automaton is not None else ():
                start = end - len(form) + 1
                if (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-" and case_sensitive)):
                    continue
                if not text[start].isupper() and not text[start].isdigit():
                    continue
                rest = text[end + 1:]
                genitive = GENITIVE.match(rest)
                stop = end + 1 + (genitive.end() if genitive else 0)
                if stop < len(text) and (text[stop].isalnum() or text[stop] == "-" and stop + 1 < len(text) and text[stop + 1].isalnum()):
                    continue
                entry = self._choose(entries, state.language)
                if entry is None:
                    continue
                span = self._entry_span(entry, start, stop, text[start:end + 1], bool(genitive))
                span.form_end = end + 1
                spans.append(span)
        return spans

    @staticmethod
    def _choose(entries: list[Entry], language: str) -> Entry | None:
        for entry in entries:
            if entry.languages and language in entry.languages:
                return entry
        for entry in entries:
            if not entry.languages:
                return entry
        return None

    def _entry_span(self, entry: Entry, start: int, end: int, surface: str, genitive: bool) -> Span:
        type_ = "organisation" if entry.type == "region" else entry.type
        return Span(type_, start, end, entry.key, entry.name, curated=True, priority=2, genitive=genitive,
                    region=entry.type == "region", country=entry.country, parent=entry.parent,
                    parent_type="organisation" if entry.parent else None)

    def curated(self, name: str, state: DocumentState, types: tuple[str, ...]) -> Span | None:
        """The curated entry whose form is exactly `name`, if any."""
        for span in self._gazetteer(name, state):
            if span.start == 0 and span.name_end == len(name) and span.type in types:
                return span
        return None

    def _clean_pre(self, text: str, start: int, pre: str) -> int:
        """Drop leading words that cannot start a name ("The", "In") from a pattern's match."""
        offset = start
        for word in pre.split():
            if word in self.not_name:
                offset = text.index(word, offset) + len(word)
                while offset < len(text) and text[offset] == " ":
                    offset += 1
            else:
                break
        return offset

    def _organisation_patterns(self, text: str, state: DocumentState) -> list[Span]:
        spans = []
        position = 0
        has_head = self.english_head.search(text) is not None
        while has_head and (match := self.english_org.search(text, position)) is not None:
            position = match.end()
            start = self._clean_pre(text, match.start(), match.group("pre"))
            pre_words = text[start:match.start("head")].split()
            if not pre_words and not match.group("tail"):
                continue
            end = self._cut_tail(text, match.start("tail"), match.end())
            if end < match.end():
                position = end  # "Centre for X at the University of Y": read the second name too
            spans.append(self._prefer_curated(self._pattern_org(text, start, end, pre_words, state), state))
        compounds = self._words(text) if state.language not in {"en", "fr"} else ()
        for token in compounds:
            word = token.group(0)
            if word[0].islower() and not word.endswith("-"):
                if self._may_name_unit(word):
                    spans.extend(self._lower_case_unit(text, token, state))
                continue
            if not word[0].isupper() or word.endswith("-"):
                continue
            folded = fold(word)
            genitive = False
            head = self._compound_head(folded)
            if head is None and folded.endswith("s") and len(folded) > 4:
                head = self._compound_head(folded[:-1])
                genitive = head is not None
            if folded in self.generic_bodies or head is not None and not genitive and len(folded) - len(head) < 3:
                spans.extend(self._named_after_head(text, token, state))  # the head alone: "Stiftelsen Unga Kalmarsund"
                continue
            if head is None or folded.rstrip("s") in self.generic_bodies or folded in self.k.role_forms:
                continue  # "Kommunalråd" ends in "råd" but is a title
            if len(folded) - len(head) - (1 if genitive else 0) < 3 or word in self.not_name:
                continue
            start = self._modifiers_start(text, token.start())
            end = token.end() - (1 if genitive else 0)
            if not genitive:
                end = self._proper_name_after(text, end, state)
            name = text[start:end]
            span = Span("organisation", start, max(token.end(), end), entity_key("organisation", name), name, priority=1,
                        genitive=genitive, country=self._language_country(state.language), form_end=end)
            spans.append(self._prefer_curated(span, state))
        if state.language not in {"en", "fr"}:
            spans.extend(self._head_with_tail(text, state))
        for match in self.separate_org.finditer(text) if self.separate_head.search(text) else ():
            start = self._clean_pre(text, match.start(), match.group("pre"))
            if start >= match.start("head"):
                continue
            name = text[start:match.end()]
            spans.append(self._prefer_curated(Span("organisation", start, match.end(), entity_key("organisation", name), name,
                                                   priority=1, country=self._language_country(state.language)), state))
        has_unit = any(head in text for head in self.unit_words)
        for pattern in (self.unit_quoted, self.unit_before, self.unit_after) if has_unit else ():
            for match in pattern.finditer(text):
                inner = match.group("name").strip(" ,")
                first = inner.split()[0] if inner.split() else ""
                if first in self.not_name:
                    inner = inner[len(first):].strip()
                if not inner:
                    continue
                name = f"{inner} {match.group('head')}"
                start = match.start("name") if pattern is not self.unit_after else match.start("head")
                if pattern is not self.unit_after:
                    start = text.index(inner, match.start("name"))
                # A quoted name's surface form is the quoted words ("‘Leadership, Performance and Innovation’ working group").
                form_end = start + len(inner) if pattern is self.unit_quoted else -1
                spans.append(Span("organisation", start, match.end(), entity_key("organisation", name), name,
                                  priority=3, unit=True, form_end=form_end))
        return spans

    def _named_after_head(self, text: str, token: re.Match, state: DocumentState) -> list[Span]:
        """"Nätverket Barnrätt", "Stiftelsen Allmänna Barnhuset", "Organisationen Maskrosbarn": a body's
        generic word and the capitalised name after it (the word is part of the name, unless it only
        describes: "organisationen")."""
        names = re.match(rf"[ ]((?:{CAP})(?:[ ]{CAP}){{0,2}})(?![^\W_])", text[token.end():])
        if not names:
            return []
        words = names.group(1).split()
        if any(w in self.not_name or not self._is_name_word(w) for w in words) or self._is_first_name(words[0]):
            return []
        end = token.end() + names.end(1)
        if words[-1].endswith("s"):  # a genitive leads on: "Föreningen Sveriges äldreomsorgschefer"
            following = re.match(r"[ ]([a-zæøåäöü][^\W\d_]+)(?![^\W_])", text[end:])
            if not following:
                return []
            end += following.end(1)
        start = token.end() + 1 if fold(token.group(0)) in self.descriptor_heads else token.start()
        name = text[start:end]
        return [Span("organisation", start, end, entity_key("organisation", name), name, priority=1,
                     country=self._language_country(state.language), form_end=end)]

    @staticmethod
    def _find_words(text: str) -> tuple[re.Match, ...]:
        return tuple(WORD.finditer(text))

    @staticmethod
    def _find_word_texts(text: str) -> tuple[str, ...]:
        return tuple(WORD.findall(text))

    def _may_name_unit(self, word: str) -> bool:
        """Whether `_lower_case_unit` can find anything in this word in small letters: a head of its
        tail, a unit's head (perhaps in the genitive) or a compound head; most words are none."""
        folded = fold(word)
        return word[0].upper() + word[1:] in self.tail_heads or folded.endswith(self.lower_unit_heads) \
            or folded.endswith("s") and folded[:-1].endswith(self.lower_unit_heads) or self._compound_head(folded) is not None

    def _lower_case_unit(self, text: str, token: re.Match, state: DocumentState) -> list[Span]:
        """"omsorgsförvaltningen", "individ- och familjeomsorgen", "kommunstyrelsens ordförande",
        "vid institutionen för socialt arbete": a unit named in lower case."""
        word = token.group(0)
        if text[token.start() - 1:token.start()] in {".", "@", "/"} or text[token.end():token.end() + 1] == "." \
                and text[token.end() + 1:token.end() + 2].isalnum():
            return []  # "www.socialstyrelsen.se": an address, not a name
        if word[0].upper() + word[1:] in self.tail_heads:  # read as the capitalised head with its tail
            capitalised = text[:token.start()] + word[0].upper() + text[token.start() + 1:]
            return [replace(span, key=entity_key("organisation", span.name), unit=True)
                    for span in self._head_with_tail(capitalised, state) if span.start == token.start()]
        folded = fold(word)
        if folded.endswith("s") and folded[:-1].endswith(self.lower_unit_heads):
            following = WORD.match(text, token.end() + 1)
            if following and fold(f"{word} {following.group(0)}") in self.k.role_forms:
                return []  # "kommunstyrelsens ordförande" is a title of its own (the council's leader)
            token = WORD.match(text, token.start(), token.end() - 1)
            folded = folded[:-1]  # the genitive: "kommunstyrelsens ordförande"
        head = next((h for h in self.lower_unit_heads if folded.endswith(h)), None)
        owned = self._owned_unit(text, token, folded, state)
        if owned is not None:
            return [owned]
        compound = self._compound_head(folded)
        state_body = self.state_genitive.search(text, max(0, token.start() - 12), token.start()) if compound else None
        if state_body and len(folded) - len(compound) >= 3:
            name = text[state_body.start():token.end()]  # "Statens institutionsstyrelse": a national body
            return [Span("organisation", state_body.start(), token.end(), entity_key("organisation", name), name, priority=1)]
        if head is None:
            return []
        conjunct = re.search(r"[^\W\d_]+-\s+(?:og|och|and)\s+$", text[:token.start()])
        if (not conjunct) if head in self.conjunct_unit_heads else len(folded) - len(head) < 3:
            return []  # "familjeomsorgen" names a unit only as "individ- och familjeomsorgen"
        start = conjunct.start() if conjunct else token.start()
        written = text[start:token.end()]
        name = written[0].upper() + written[1:]
        genitive = token.end() < len(text) and text[token.end()] == "s"
        return [self._prefer_curated(Span("organisation", start, token.end() + genitive, entity_key("organisation", name), name,
                                          priority=1, unit=True, genitive=genitive, form_end=token.end()), state)]

    def _owned_unit(self, text: str, token: re.Match, folded: str, state: DocumentState) -> Span | None:
        """"Enskede-Årsta-Vantörs stadsdelsförvaltning": a body's unit named by the genitive of a name no
        list holds (a district, a company) and a compound ending in a head. A municipality's genitive
        ("Östhammars socialnämnd") is read by the rules for municipalities' units instead."""
        if text[token.start() - 2:token.start()] != "s ":
            return None  # no genitive right before: the cheap test first, most words fail it
        compound = self._compound_head(folded)
        owner = self.genitive_owner.search(text, max(0, token.start() - 60), token.start()) if compound else None
        if owner is None or len(folded) - len(compound) < 3:
            return None
        name = owner.group("owner")
        before = text[:owner.start()].rstrip()
        if not before or not (before[-1] == "," or before[-1].isalpha()):
            return None  # "Fremtidens velfærdssamfund": a word capitalised only because it opens the sentence or line
        if fold(name) in self.generic_bodies or fold(name) + "s" in self.discourse_words or name in self.not_name \
                or self._is_first_name(name.split("-")[0]) or self._gazetteer(name, state) or self._gazetteer(name + "s", state):
            return None
        written = text[owner.start():token.end()]
        return Span("organisation", owner.start(), token.end(), entity_key("organisation", written), written, priority=1)

    def _cut_tail(self, text: str, tail_start: int, end: int) -> int:
        """"Centre for X at Lancaster University" is a unit at a university: cut before the second name."""
        tail = text[tail_start:end]
        for joint in re.finditer(r"\s+(?:at|in)\s+(?:the\s+)?", tail):
            rest = tail[joint.end():]
            if any(fold(w) in self.english_heads for w in rest.split()) or self.curated(rest, DocumentState("en"), ("organisation", "municipality", "country")):
                return tail_start + joint.start()
        return end

    def _head_with_tail(self, text: str, state: DocumentState) -> list[Span]:
        """"Foreningen af Socialchefer i Danmark", "Riksförbundet för äldreomsorgens chefer": a head word
        and the words after its preposition make one name."""
        spans = []
        for token in self._words(text):
            word = token.group(0)
            if not word[0].isupper() or (self._compound_head(fold(word)) is None and word not in self.tail_heads):
                continue
            # the cheap test first: a preposition of the tail right after one space
            following = TAIL_WORD.match(text, token.end() + 1) if text[token.end():token.end() + 1] == " " else None
            if following is None or following.group(0) not in self.tail_prepositions:
                continue
            words = list(re.finditer(r"[^\W\d_]+(?:-[^\W\d_]+)*-?", text[token.end():]))
            if not words or text[token.end():token.end() + words[0].start()] != " " or words[0].group(0) not in self.tail_prepositions:
                continue
            end, taken, index = None, 0, 1
            while index < len(words) and taken < 6:
                previous = words[index - 1]
                between = text[token.end() + previous.end():token.end() + words[index].start()]
                current = words[index].group(0)
                if between != " ":
                    break
                if fold(current) in self.tail_stop_words and not (previous.group(0).endswith("-") and fold(current) in {"og", "och", "and"}):
                    if fold(current) in {"i", "in"} and index + 1 < len(words) and taken and words[index + 1].group(0)[0].isupper():
                        index += 1  # "Nätverket för socialchefer i Kalmar län": the place is part of the name
                        place_end = token.end() + words[index].end()
                        if index + 1 < len(words) and fold(words[index + 1].group(0)) in {"län", "amt", "kommun", "kommune", "region"}:
                            index += 1
                            place_end = token.end() + words[index].end()
                        end, index = place_end, index + 1
                        continue
                    break
                if current[0].islower() and any(w.group(0)[0].isupper() for w in words[1:index]) and fold(current) not in self.name_connectors:
                    break  # "Rådet for Socialt Udsatte består af": once the tail has capitals, a small word ends it
                end = token.end() + words[index].end()
                taken += 1
                index += 1
            if end is None or text[end - 1] == "-":
                continue
            start = self._modifiers_start(text, token.start())
            name = text[start:end]
            spans.append(self._prefer_curated(Span("organisation", start, end, entity_key("organisation", name), name, priority=1,
                                                   country=self._language_country(state.language), form_end=end), state))
        return spans

    def _prefer_curated(self, span: Span, state: DocumentState) -> Span:
        """A name a pattern found that a curated list holds takes the curated identity."""
        curated = self.curated(span.name, state, ("organisation", "municipality"))
        if curated is None:
            return span
        return replace(curated, start=span.start, end=span.end, form_end=span.form_end, genitive=span.genitive)

    def _pattern_org(self, text: str, start: int, end: int, pre_words: list[str], state: DocumentState) -> Span:
        name = text[start:end]
        genitive = GENITIVE.match(text[end:])
        span = Span("organisation", start, end + (genitive.end() if genitive else 0), entity_key("organisation", name),
                    name, priority=1, genitive=bool(genitive), form_end=end)
        if pre_words:
            demonym = self.k.demonyms.get(fold(pre_words[0]))
            if demonym:
                span.country = demonym
            if len(pre_words) >= 1 and re.fullmatch(self.acronym, pre_words[0]):
                parent = self._gazetteer(pre_words[0], state)
                if parent and parent[0].type == "organisation":
                    span.parent, span.parent_type = parent[0].key, "organisation"
        return span

    def _proper_name_after(self, text: str, end: int, state: DocumentState) -> int:
        """"Kommunförbundet Mittnorr", "Stiftelsen Unga Kalmarsund": capitalised words after a head word
        that name it (not a person, place or other listed name)."""
        position = end
        for _ in range(3):
            match = re.match(rf" ({CAP})(?![^\W_])", text[position:])
            if not match:
                break
            word = match.group(1)
            if word in self.not_name or self._is_first_name(word) or self._gazetteer(word, state) or self._compound_head(fold(word)):
                break
            position += match.end()
        return position

    def _compound_head(self, folded: str) -> str | None:
        for length in self.compound_head_lengths:
            if len(folded) >= length and folded[-length:] in self.compound_head_set:
                return folded[-length:]
        return None

    def _modifiers_start(self, text: str, start: int) -> int:
        """Extend a compound-head name left over capitalised modifiers ("Socialt Udviklingscenter")
        and a hyphenated first conjunct ("Børne- og Kulturchefforeningen")."""
        conjunct = re.search(rf"(?:{CAP}-\s+(?:og|och|and|&)\s+)$", text[:start])
        if conjunct:
            return conjunct.start()
        words = list(re.finditer(rf"({CAP})\s+$", text[:start]))
        if words:
            word = words[-1].group(1)
            if word not in self.not_name and fold(word) not in self.k.first_names and not self._gazetteer(word, DocumentState("")):
                return words[-1].start()
        return start

    @staticmethod
    def _language_country(language: str) -> str | None:
        return {"da": "dk", "sv": "se", "no": "no", "fi": "fi", "de": "de"}.get(language)

    def _municipality_patterns(self, text: str, state: DocumentState) -> list[Span]:
        spans = []
        for pattern, spec, needed in self.municipality_patterns:
            if state.language not in spec.get("languages", [state.language]) or needed not in text:
                continue
            for match in pattern.finditer(text):
                if spec.get("require") and spec["require"] not in match.group(0):
                    continue
                name = match.group("name")
                if name in self.not_name:
                    continue
                form = spec["form"].format(**{k: v for k, v in match.groupdict().items() if v})
                start = match.start() + (4 if match.group(0).startswith("the ") else 0)
                curated = self.curated(form, state, ("municipality",)) or self.curated(name, state, ("municipality",))
                if curated:
                    span = replace(curated, start=start, end=match.end(), form_end=-1)
                else:
                    span = Span("municipality", start, match.end(), "", form, priority=2, country=spec.get("country"))
                genitive = GENITIVE.match(text[match.end():])
                if match.group(0).endswith("s") and not form.endswith("s"):
                    span.genitive = True
                elif genitive:
                    span.form_end = span.end
                    span.end += genitive.end()
                    span.genitive = True
                spans.append(span)
        return spans

    def _persons(self, text: str, state: DocumentState, taken: list[Span]) -> list[Span]:
        tokens = self._words(text)
        spans: list[Span] = []
        i = 0
        for first in self._first_names_at(text):  # the tokens that are first names, in order
            if first < i:
                continue  # inside the name before
            i = first
            token = tokens[i]
            parts = [token]
            j = i + 1
            while j < len(tokens) and len(parts) < 5:
                gap = text[parts[-1].end():tokens[j].start()]
                nxt = tokens[j].group(0)
                initial = len(parts[-1].group(0)) == 1 and gap in {". ", "."}
                if gap != " " and not initial:
                    break
                if fold(nxt) in self.k.particles and j + 1 < len(tokens):
                    parts.append(tokens[j])
                    j += 1
                    continue
                if not self._is_name_word(nxt, allow_capitals=nxt not in state.acronyms) or (len(parts) >= 2 and self._starts_title(text, tokens, j, state)):
                    break
                parts.append(tokens[j])
                j += 1
            while len(parts) > 1 and fold(parts[-1].group(0)) in self.k.particles:
                parts.pop()
            if len(parts) >= 2 and len(parts[-1].group(0)) > 1:
                start, end = parts[0].start(), parts[-1].end()
                name = text[start:end]
                genitive = GENITIVE.match(text[end:])
                clean = self._clean_person_name(name)
                spans.append(Span("person", start, end + (genitive.end() if genitive else 0),
                                  entity_key("person", clean), clean, priority=1, genitive=bool(genitive), form_end=end))
                i = j
            else:
                i += 1
        return spans

    def _find_first_names(self, text: str) -> tuple[int, ...]:
        return tuple(itertools.compress(itertools.count(), map(self._is_first_name, self._word_texts(text))))

    def _starts_title(self, text: str, tokens: list, j: int, state: DocumentState) -> bool:
        """A capitalised word that begins the next cell's title ends a name in a flattened list:
        "Yvonne Wahlbeck Administrativ chef", "Torbjörn Nyqvist Verksamhetsområdeschef"."""
        following = tokens[j + 1] if j + 1 < len(tokens) else None
        if following is not None and text[tokens[j].end():following.start()] == " " and fold(following.group(0)) in self.k.role_forms:
            return True
        if state.language in {"en", "fr"}:
            return False  # English compounds are not written as one word ("Whitehead" is a surname)
        folded = fold(tokens[j].group(0))
        return any(len(folded) > n + 2 and folded[-n:] in self.title_heads for n in self.title_head_lengths)

    def _is_first_name(self, word: str) -> bool:
        if not word[0].isupper() or word in self.not_name:
            return False
        folded = fold(word)
        if folded in self.k.first_names:
            return True
        return "-" in word and fold(word.split("-")[0]) in self.k.first_names

    def _is_name_word(self, word: str, allow_capitals: bool = False) -> bool:
        if not word[0].isupper() or word.endswith("-") or word in self.not_name:
            return False
        folded = fold(word)
        if folded in self.k.role_forms or folded in self.k.honorifics or fold(word) in self.k.qualifier_words:
            return False
        if self._compound_head(folded) or folded in self.english_heads:
            return False
        if folded in self.months:
            return False
        # A word in capitals after a first name is a surname written in capitals ("Lena STRÖMBERG"),
        # unless it is a known acronym.
        return not (word.isupper() and len(word) > 1) or (allow_capitals and len(word) > 2 and not self._gazetteer(word, DocumentState("")))

    def _context_patterns(self) -> list[tuple[re.Pattern, str]]:
        """(pattern, a character it cannot match without): most sentences hold no parenthesis."""
        run = rf"(?P<name>{CAP}(?:[ ]{CAP}){{1,2}})"
        honorifics = "|".join(sorted((re.escape(h) for h in self.honorific_forms), key=len, reverse=True))
        return [
            (re.compile(rf"(?<![^\W\d_])(?:{honorifics})\.?\s+{run}(?![^\W\d_])"), ""),
            (re.compile(rf"(?<![^\W\d_.]){run},\s*(?:{self.k.title_regex})"), ","),
            (re.compile(rf"(?<![^\W\d_.]){run}\s+\((?:{self.party_pattern})\)"), "("),
        ]

    def _persons_by_context(self, text: str, state: DocumentState) -> list[Span]:
        """Names with a first name no lexicon holds, known by what stands around them: an honorific
        before ("Dr Amira Haddad"), a title apposition or a party tag after ("Ayesha Karim, Chair")."""
        return [Span("person", start, end, key, name, priority=0, form_end=end)
                for start, end, key, name in self._context_persons(text, state.language)]

    def _find_context_persons(self, text: str, language: str) -> tuple[tuple[int, int, str, str], ...]:
        """(start, end, key, name) of `_persons_by_context`'s names: a pure function of the sentence and
        the document's language, read once for both passes over a sentence."""
        state = DocumentState(language)
        spans = []
        for pattern, needed in self.context_patterns:
            if needed not in text:
                continue
            for match in pattern.finditer(text):
                words = match.group("name").split()
                if not all(self._is_name_word(w) for w in words) or any(w in self.not_name for w in words):
                    continue
                if any(self._is_first_name(w) for w in words[1:]) and not self._is_first_name(words[0]):
                    continue  # "Enligt Karin Lidén": the lexicon path finds the name itself
                if any(self._gazetteer(w, state) for w in words) or fold(words[0]) in self.k.role_forms:
                    continue
                start, end = match.start("name"), match.end("name")
                if self.place_preposition_before.search(text, max(0, start - 8), start):
                    continue  # "Länsstyrelsen i Västra Götaland, professor ...": a place, not a name
                clean = self._clean_person_name(match.group("name"))
                spans.append((start, end, entity_key("person", clean), clean))
        return tuple(spans)

    def _peers(self, text: str, state: DocumentState) -> list[Span]:
        """"Lord Forsyth of Drumlean", "Baroness Kingsmill": a peer's rank and title are the name."""
        if state.language != "en":
            return []
        spans = []
        for match in self.peer.finditer(text):
            title = match.group("title")
            if title in self.not_name or fold(title) in self.k.role_forms or self._gazetteer(title, state):
                continue  # "Lord Mayor", "Lord Chancellor"
            name = match.group("name")
            spans.append(Span("person", match.start(), match.end(), entity_key("person", name), name, priority=1, form_end=match.end()))
        return spans

    @staticmethod
    def _clean_person_name(name: str) -> str:
        return " ".join(w.capitalize() if w.isupper() and len(w) > 1 else w for w in name.split())

    def _acronyms(self, text: str, spans: list[Span], state: DocumentState) -> list[Span]:
        """Acronyms defined in parentheses become aliases; acronyms used later become mentions."""
        found = []
        defines = "(" in text  # a definition is written in parentheses
        for span in spans if defines else ():
            if span.type not in {"organisation", "municipality"}:
                continue
            after = re.match(rf"\s*\((?P<acr>{self.acronym})\)", text[span.end:])
            if after:
                state.acronyms.setdefault(after.group("acr"), span)
        for match in re.finditer(rf"(?P<acr>{self.acronym})\s*\((?P<full>[^()]{{4,120}})\)", text) if defines else ():
            acronym, full = match.group("acr"), match.group("full")
            initials = "".join(w[0] for w in full.split() if fold(w) not in self.acronym_skip)
            if fold(initials) == fold(acronym) or fold("".join(w[0] for w in full.split())) == fold(acronym):
                inside = [s for s in spans if s.start >= match.start("full") and s.end <= match.end("full")]
                target = inside[0] if inside and inside[0].length >= len(full) - 2 else Span(
                    "organisation", match.start("full"), match.end("full"), entity_key("organisation", full), full, priority=1)
                if not inside:
                    found.append(target)
                state.acronyms.setdefault(acronym, target)
        for match in self.acronym_token.finditer(text) if state.acronyms else ():  # only the defined ones are mentions
            target = state.acronyms.get(match.group("acr"))
            if target is not None:
                found.append(replace(target, start=match.start(), end=match.end(), genitive=bool(match.group("gen")),
                                     priority=2, unit=False, form_end=match.end("acr")))
        return found

    def _acronyms_by_initials(self, found: list[tuple[Sentence, list[Span]]], text: str, state: DocumentState) -> None:
        """"WNC's Cabinet Member" in a text that names West Northamptonshire Council: an acronym never
        defined, used for a body the text names in full (three letters or more)."""
        for _, spans in found:
            for span in spans:
                if span.type not in {"organisation", "municipality"}:
                    continue
                words = [w for w in span.name.split() if fold(w) not in self.acronym_skip]
                initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
                if len(initials) >= 3 and len(initials) == len(words) and initials not in state.acronyms and initials in text \
                        and re.search(rf"(?<![\w-]){initials}(?![\w-]|['’]\w\w)", text):
                    state.acronyms[initials] = span

    @staticmethod
    def _settle(spans: list[Span]) -> list[Span]:
        """Keep non-overlapping spans: the longer name wins, then the more trusted rule."""
        starts: list[int] = []  # the chosen spans, kept sorted by start: overlap is a bisect away
        chosen: list[Span] = []
        if len(spans) < 2:
            return list(spans)
        for span in sorted(spans, key=lambda s: (s.start - s.end, -s.priority, s.start, s.type, s.key)):
            index = bisect.bisect_left(starts, span.start)
            if index < len(chosen) and chosen[index].start < span.end:
                continue
            if index > 0 and chosen[index - 1].end > span.start:
                continue
            starts.insert(index, span.start)
            chosen.insert(index, span)
        return chosen

    def _places(self, text: str, spans: list[Span]) -> list[Span]:
        """A capitalised place just before a country ("of Tampere, Finland") is a municipality there."""
        found = []
        for country in (s for s in spans if s.type == "country"):
            match = self.place.search(text[:country.start])
            if not match:
                continue
            start, end = match.start("name"), match.end("name")
            if any(s.start < end and start < s.end for s in spans):
                continue
            name = match.group("name")
            if name in self.not_name or self._is_first_name(name.split()[0]):
                continue
            found.append(Span("municipality", start, end, "", name, priority=0, country=country.key.split(":", 1)[1]))
        return found

    def _place_countries(self, text: str, spans: list[Span]) -> list[Span]:
        """Municipalities no list holds take the country named beside them, else the sentence's only country."""
        countries = [s for s in spans if s.type == "country"]
        for span in spans:
            if span.type != "municipality" or span.key:
                continue
            beside = next((c for c in countries if c.start >= span.end and re.fullmatch(r"\s*,\s*", text[span.end:c.start])), None)
            if beside is None and len({c.key for c in countries}) == 1:
                beside = countries[0]
            if beside is not None:
                span.country = beside.key.split(":", 1)[1]
            span.key = f"municipality:{span.country or 'xx'}-{name_key(span.name).replace(' ', '-')}"
        return spans

    def names(self, text: str, state: DocumentState, places: list[Span] | None = None) -> list[Span]:
        """All names of one sentence, overlaps settled; `places` are its `place_names`, when known."""
        spans = self.place_names(text, state) if places is None else places
        spans = self._settle(spans + self._acronyms(text, spans, state))
        spans = self._settle(spans + self._persons(text, state, spans) + self._persons_by_context(text, state)
                             + self._peers(text, state))
        for span in spans:
            if span.type == "person":
                state.persons.setdefault(span.key, span.name)
        spans = self._settle(spans + self._surnames(text, state))
        spans = self._settle(spans + self._affiliations_in_parentheses(text, spans, state))
        spans = self._settle(self._bodies_of_places(text, self._conjoined_names(text, spans)))
        return self._settle(spans + self._bodies_after_titles(text, spans, state))

    def _bodies_of_places(self, text: str, spans: list[Span]) -> list[Span]:
        """"Länsstyrelsen i Västra Götaland", "Tingsrätten i Lund": a body every county or town has one of
        is named with its place, which is part of the name; so is a country that closes a body's name
        ("Selveje Danmark", "Caritas Sverige")."""
        result = list(spans)
        countries = {s.start: s for s in spans if s.type == "country"}
        for span in spans:
            if span.type != "organisation" or span.curated:
                continue
            end = None
            match = self.place_of_body.match(text, span.end) if fold(span.name) in self.place_named_bodies else None
            if match:
                end = match.end()
            country = countries.get(span.end + 1) if text[span.end:span.end + 1] == " " else None
            if country is not None and not re.match(rf"[ ]{CAP}", text[country.end:]) and country.name_end == country.end:
                end = country.end
            if end is not None:
                name = text[span.start:end]
                result = [s for s in result if not (span.start <= s.start < end)]
                result.append(replace(span, end=end, name=name, key=entity_key("organisation", name), form_end=end))
        return result

    def _conjoined_names(self, text: str, spans: list[Span]) -> list[Span]:
        """"Foreningen Spiseforstyrrelser og Selvskade", "Center for Plan, Teknik og Erhverv": a body's
        name goes on over a list of capitalised words that a conjunction closes, when none of them
        begins a name of its own."""
        starts = {s.start for s in spans}
        result = []
        for span in spans:
            match = self.name_continuation.match(text, span.end) if span.type == "organisation" else None
            if match and text[span.end - 1].isalpha() and not any(
                    word.start() + span.end in starts or not self._is_body_word(word.group(0)) or self._is_first_name(word.group(0))
                    for word in re.finditer(rf"[{UPPER}]\S*", match.group(0))):
                name = text[span.start:match.end()]
                span = replace(span, end=match.end(), name=name, key=entity_key("organisation", name), form_end=match.end())
            result.append(span)
        return result

    def _bodies_after_titles(self, text: str, spans: list[Span], state: DocumentState) -> list[Span]:
        """"direktør i Incita", "forstander på Godhavn", "Name, Cheføkonom, KRAKA": capitalised words a
        title leads to name the body of the post, though no list holds them and no head word marks them.
        The run stops where a known name, a person or a title begins; a country closing it is part of
        the name ("Generalsekretær for Caritas Danmark")."""
        found = []
        persons_end = {s.end for s in spans if s.type == "person"}
        for title_start, title_end in self.find_titles(text):
            match = self.body_after_title.match(text, title_end)
            if not match:
                continue
            if not match.group("preposition"):
                before = text[:title_start].rstrip()
                if not (before.endswith(",") and len(before) - 1 in persons_end) or match.group("closed") is None:
                    continue  # "Name, title, Body" only: a comma after a title elsewhere starts anything
            words = list(re.finditer(r"\S+", match.group("name")))
            base = match.start("name")
            end = base
            for index, word in enumerate(words):
                start = base + word.start()
                inside = next((s for s in spans if s.start <= start < s.end), None)
                if inside is not None:
                    if inside.type == "country" and index > 0 and inside.end <= match.end("name"):
                        end = inside.end
                    elif inside.type == "municipality" and index > 0:
                        end = base  # "stadsdelsdirektör i Västra Göteborg": a place's part, not a body
                    break
                if word.group(0).lower() in self.body_connectors:
                    continue
                if not self._is_body_word(word.group(0)) or index + 1 < len(words) and self._is_first_name(word.group(0)):
                    break
                end = base + word.end()
            start = match.start("name")
            name = text[start:end].rstrip(",.;:")
            if not name or name.split()[-1].lower() in self.body_connectors:
                continue
            if state.language == "en" and " " not in name and not name.isupper():
                continue  # "Head of Finance": in English a single capitalised word there is a department
            if re.fullmatch(self.party_pattern, name) or self.title_only.match(name):
                continue
            if match.group("preposition") in self.department_prepositions and self._is_department(name):
                continue
            end = start + len(name)
            found.append(Span("organisation", start, end, entity_key("organisation", name), name, priority=0, form_end=end))
        return found

    def _is_department(self, name: str) -> bool:
        words = [fold(w).strip(",.;:").replace("’", "'") for w in name.split()]
        return all(w in self.body_connectors or w.endswith(self.department_words) for w in words)

    def _is_body_word(self, word: str) -> bool:
        if not word[0].isupper() or word in self.not_name or word.endswith("-"):
            return False
        folded = fold(word.rstrip(",.;:"))
        return not (folded in self.k.role_forms or folded in self.k.honorifics or folded in self.k.qualifier_words
                    or folded in self.months)

    def place_names(self, text: str, state: DocumentState) -> list[Span]:
        """The names of bodies and places in a sentence: what the lists and patterns find before
        anything the document has defined (acronyms, persons) is known, so a second pass reuses them."""
        spans = self._gazetteer(text, state) + self._municipality_patterns(text, state) + self._organisation_patterns(text, state)
        spans = self._settle(spans)
        spans = self._settle(spans + self._places(text, spans))
        spans = self._place_countries(text, spans)
        return self._settle(spans + self._acronyms_after_titles(text, spans))

    def _acronyms_after_titles(self, text: str, spans: list[Span]) -> list[Span]:
        """"ordförande för SSAS", "director at NCAS": letters in capitals that a title's preposition leads to
        name the body of the post, though no list holds them and the text never spells them out."""
        found = []
        for match in self.acronym_after_preposition.finditer(text) if TWO_CAPITALS.search(text) else ():
            start, end = match.start("acr"), match.end("acr")
            acronym = match.group("acr")
            if acronym in self.not_name or any(s.start < end and start < s.end for s in spans):
                continue
            titles = self.find_titles(text[:match.start()].rstrip())
            if titles and titles[-1][1] == len(text[:match.start()].rstrip()):
                found.append(Span("organisation", start, end, entity_key("organisation", acronym), acronym, priority=1, form_end=end))
        return found

    def _affiliations_in_parentheses(self, text: str, spans: list[Span], state: DocumentState) -> list[Span]:
        """"Don Brereton CB (Carers UK), Sally Warren (King's Fund)": a capitalised name in parentheses
        right after a person is the body that person comes from (not a party tag, a title or a place)."""
        found = []
        for person in (s for s in spans if s.type == "person"):
            match = self.affiliation.match(text, person.end)
            if not match:
                continue
            name = match.group("name").strip()
            start, end = match.start("name"), match.start("name") + len(name)
            words = name.split()
            if re.fullmatch(self.party_pattern, name) or words[0] in self.not_name or self.title_only.match(name) \
                    or self._is_first_name(words[0]) and len(words) <= 3:
                continue
            if any(s.start <= start and end <= s.end for s in spans if s.type != "country") \
                    or any(s.type == "country" and (s.start, s.end) == (start, end) for s in spans):
                continue  # already a name of its own ("(Region Stockholm)", "(Norway)")
            found.append(Span("organisation", start, end, entity_key("organisation", name), name, priority=1,
                              country=self._language_country(state.language), form_end=end))
        return found

    def _surnames(self, text: str, state: DocumentState) -> list[Span]:
        """A person named in full once and then by surname ("Ms Okafor", "Thorsø sad ..."), when no
        other person of the document shares that surname."""
        counted, owners, particles = state.surname_owners
        if counted != len(state.persons):
            owners = {}
            for key, name in state.persons.items():
                words = name.split()
                if len(words) >= 2:
                    owners.setdefault(words[-1], set()).add(key)
                    if len(words) >= 3 and fold(words[-2]) in self.k.particles:
                        owners.setdefault(" ".join(words[-2:]), set()).add(key)
            particles = {key.split(" ")[0] for key in owners if " " in key}  # "van" of "van Dijk": pairs start there
            state.surname_owners = (len(state.persons), owners, particles)
        spans: list[Span] = []
        if not owners:
            return spans
        surname_tokens = self._words(text)
        pairs = [(t, text[t.start():n.end()]) for t, n in zip(surname_tokens, surname_tokens[1:])
                 if t.group(0) in particles and text[t.end():n.start()] == " "] if particles else []
        for token, pair in pairs:
            keys = owners.get(pair)
            if keys and len(keys) == 1:
                key = next(iter(keys))
                spans.append(Span("person", token.start(), token.start() + len(pair), key, state.persons[key], priority=0,
                                  form_end=token.start() + len(pair)))
        words = self._word_texts(text)
        for token in itertools.compress(surname_tokens, map(owners.__contains__, words)):  # the tokens that are surnames
            keys = owners.get(token.group(0))
            if not keys or len(keys) != 1:
                continue
            key = next(iter(keys))
            genitive = GENITIVE.match(text[token.end():])
            spans.append(Span("person", token.start(), token.end() + (genitive.end() if genitive else 0), key, state.persons[key],
                              priority=0, genitive=bool(genitive), form_end=token.end()))
        return spans

    # ----------------------------------------------------------------- relations

    def _title(self, text: str | None) -> tuple[str | None, str | None]:
        """(title as written, role id) for a title found by the title pattern."""
        if not text:
            return None, None
        title = " ".join(text.split())
        role = self.k.role_forms.get(fold(title))
        if role is None:
            for suffix, head_role in self.k.role_heads:
                if fold(title).endswith(suffix):
                    role = head_role
                    break
        return title, role

    def _qualifiers(self, gap: str, sentence: str) -> tuple[str, ...]:
        found = set()
        words = re.findall(r"[^\W\d_]+\.?", fold(gap))
        pairs = [f"{a.rstrip('.')} {b}" for a, b in zip(words, words[1:])]  # "newly appointed", "recently appointed"
        for word in words + pairs:
            qualifier = self.k.qualifier_words.get(word) or self.k.qualifier_words.get(word.rstrip("."))
            if qualifier:
                found.add(qualifier)
        found.update(self._sentence_qualifiers(sentence))
        return tuple(sorted(found))

    @functools.lru_cache(maxsize=256)  # one scan per sentence, however many posts it states
    def _sentence_qualifiers(self, sentence: str) -> frozenset[str]:
        if self.qualifier_phrase is None:
            return frozenset()
        return frozenset(self.qualifier_phrase_of[m.group(0)] for m in self.qualifier_phrase.finditer(fold(sentence)))

    @functools.lru_cache(maxsize=1 << 16)  # words recur: one suffix scan per distinct word
    def _ends_in_title_head(self, word: str) -> bool:
        # the head alone, or after three letters at least: "inleder" (opens) is no "leder" (leader)
        return any((len(word) == n or len(word) >= n + 3) and word[-n:] in self.title_heads for n in self.title_head_lengths)

    def find_titles(self, text: str) -> list[tuple[int, int]]:
        """Every role title in the text (listed forms, and compounds ending in a title head),
        leftmost-longest and not overlapping: an automaton and a word scan, not one huge regex.
        Several rules read one sentence's titles, so the last few thousand texts' are kept."""
        return list(self._titles_in(text))

    def _find_titles(self, text: str) -> tuple[tuple[int, int], ...]:
        folded = same_length_fold(text)
        found = []
        for last, form in self.title_forms.iter(folded):
            start, end = last - len(form) + 1, last + 1
            if (start == 0 or not folded[start - 1].isalnum()) and (end == len(folded) or not folded[end].isalnum()):
                found.append((start, end))
        # the words ending in a title head, picked out of all at C speed
        for token in itertools.compress(LETTERS.finditer(folded), map(self._ends_in_title_head, LETTERS.findall(folded))):
            start = token.start()
            # Both look back a few words only: searching the whole text before each title was quadratic.
            window = max(0, start - 80)
            conjunct = CONJUNCT_BEFORE.search(folded, window, start)
            start = conjunct.start() if conjunct else start
            deputy = self.deputy_prefix.search(folded, max(0, start - 80), start)
            found.append((deputy.start() if deputy else start, token.end()))
        chosen: list[tuple[int, int]] = []
        for start, end in sorted(found, key=lambda span: (span[0], -(span[1] - span[0]))):
            if not chosen or start >= chosen[-1][1]:
                chosen.append((start, end))
        return tuple(chosen)

    def read_relations(self, sentence: Sentence, spans: list[Span], state: DocumentState, extraction: Extraction) -> None:
        text = sentence.text
        org_types = {"organisation", "municipality"}
        last_person: Span | None = None
        for index, (first, second) in enumerate(zip(spans, spans[1:])):
            gap = text[first.name_end:second.start]
            if first.type == "person":
                last_person = first
            pair = (first.type, second.type)
            for rule in self.relation_rules:
                order = rule["order"]
                if rule.get("second"):
                    if not (first.type in org_types and second.type in org_types and last_person is not None):
                        continue
                    person, organisation = last_person, second
                elif order == "person-organisation" and pair[0] == "person" and pair[1] in org_types:
                    person, organisation = first, second
                elif order == "organisation-person" and pair[0] in org_types and pair[1] == "person":
                    person, organisation = second, first
                else:
                    continue
                if rule.get("only_when_line_item") and not sentence.line_item:
                    continue
                match = rule["gap"].match(gap)
                if not match:
                    continue
                title_text = match.groupdict().get("title")
                if "title_before" in rule:
                    before = rule["title_before"].search(text[:first.start])
                    if not before:
                        continue
                    title_text = before.group("title")
                title, role = self._title(title_text)
                qualifier_text = gap if title_text is None else gap[: gap.find(title_text.split()[0])] if title_text.split()[0] in gap else gap
                if "title_before" in rule:
                    qualifier_text = text[max(0, first.start - 60):first.start]
                extraction.memberships.append(Membership(
                    person=person.key, organisation=organisation.key, organisation_type=organisation.type,
                    title=title, role=role, sentence=text,
                    qualifiers=self._qualifiers(qualifier_text, text),
                    sectors=tuple(sorted({s for s, _, _ in self.sectors_in(title, state.language)})) if title else (),
                ))
                break
            for rule in self.parents:
                if first.type not in org_types or second.type not in org_types or not rule["gap"].match(gap):
                    continue
                child, parent = (second, first) if rule["child"] == "second" else (first, second)
                if rule.get("child_must_be_unit") and not child.unit:
                    continue
                kinds = rule.get("parent_must_be")
                if kinds and not (parent.type == "municipality" and "municipality" in kinds or parent.region and "region" in kinds):
                    continue
                if child.type != "organisation" or child.key == parent.key:
                    continue
                extraction.organisations.append(OrganisationFact(child.key, parent=parent.key, parent_type=parent.type,
                                                                 country=parent.country if parent.type == "municipality" else None))
                break
            if first.type == "organisation" and second.type == "country" and re.fullmatch(r"\)?\s*(?:\([^()]{1,12}\)\s*)?(?:in|i)\s+", gap):
                extraction.organisations.append(OrganisationFact(first.key, country=second.key.split(":", 1)[1]))

    def titled_relations(self, sentence: Sentence, spans: list[Span], state: DocumentState,
                         extraction: Extraction, last_person: str | None) -> None:
        """Memberships anchored on a role title: the person beside it, the organisation after it
        (or before it, in the genitive). Finds "X Kommunes kommunaldirektør, Name", "Name, som ny
        direktør for Social og Sundhed i X Kommune", "Name, Chair, Org, and Director of Y, Org2"."""
        text = sentence.text
        if re.search(r"\S {2,}\S", text.lstrip(" •-–*·")) and any(s.type == "person" for s in spans):
            return  # a table row flattened to a line: its cells are read by line_relations
        org_types = {"organisation", "municipality"}
        covered = [(s.start, s.end) for s in spans]
        known = {(m.person, m.organisation, m.title) for m in extraction.memberships if m.sentence == text}
        sentence_titles = self.find_titles(text)
        for start, end in sentence_titles:
            if any(a <= start < b for a, b in covered):
                continue
            department = self.department.match(text[end:]) or self.lower_department.match(text[end:])
            if department and not any(end <= s.start < end + department.end() for s in spans if s.type in org_types | {"person"}):
                end += department.end()
            title, role = self._title(text[start:end])
            before = [s for s in spans if s.end <= start]
            after = [s for s in spans if s.start >= end]
            organisation = None
            if after and after[0].type in org_types and self.title_to_org.match(text[end:after[0].start]):
                organisation = after[0]
            elif before and before[-1].type in org_types and self._body_before_title(text, before[-1], start):
                organisation = before[-1]
            else:
                where = [s for s in before if s.type in org_types and re.match(r"\s*,\s*(?:where|hvor|där|som)\b", text[s.end:])]
                if where:
                    organisation = where[-1]  # "joins from Kirklees Council, where she has been Service Director"
                else:
                    organisation = self._hiring_body(text, before, start)
            if organisation is None:
                organisation = self._discourse_body(text, end, state)
            listed = self._body_after_name(text, after, end) if organisation is None else None
            if listed is not None:
                organisation = listed
            if organisation is None:
                office_body = state.block or state.body
                organisation = office_body if office_body is not None and self._is_office(role) else state.employer
                if organisation is not None and organisation.type != "municipality" and self._is_municipal_title(title):
                    continue  # "Carl Lanér, kommundirektör" on a page about one of the municipality's units
            if organisation is None:
                continue
            named_next = after[0] if after and after[0].type == "person" and not text[end:after[0].start].strip() \
                and fold(title or "") not in self.address_titles else None
            # "chef Uffe Holm, handicapchef Pia Kornø": a title right before a name is that name's,
            # not the one before the comma's.
            person = named_next.key if named_next else after[0].key if listed else self._person_before(text, before, start, sentence_titles)
            if person is None and fold(title or "") in self.address_titles:
                continue  # "Councillor Janet Hargreaves": a form of address, not the post
            if person is None:
                org_after = organisation in after
                rest = [s for s in after if s.start >= organisation.end] if org_after else after
                between = text[(organisation.end if org_after else end):rest[0].start] if rest else ""
                department_between = self.department.match(between) if not org_after else None
                if department_between and not between[department_between.end():].strip(" ,"):
                    # "Regionens direktør for Social og Psykiatri Helle Skovbo": the department belongs to the title
                    title, role = self._title(text[start:end + department_between.end()])
                    between = ""
                if rest and rest[0].type == "person" and all(fold(w) in self.person_gap_words for w in re.findall(r"[^\W\d_]+", between)) \
                        and not re.search(r"[.;!?]", between):
                    person = rest[0].key
            if person is None and self._pronoun_before(text[:start]):
                earlier = [s for s in before if s.type == "person"]
                person = earlier[-1].key if earlier else last_person
            if person is None or (person, organisation.key, title) in known:
                continue
            known.add((person, organisation.key, title))
            extraction.memberships.append(Membership(
                person=person, organisation=organisation.key, organisation_type=organisation.type, title=title, role=role,
                sentence=text, qualifiers=self._qualifiers(text[max(0, start - 40):start], text),
                sectors=tuple(sorted({s for s, _, _ in self.sectors_in(title, state.language)})) if title else ()))

    def line_relations(self, found: list[tuple[Sentence, list[Span]]], blocks: list[Span | None], state: DocumentState,
                       extraction: Extraction) -> None:
        """Memberships that page structure states: a list or table row under a heading that names a body
        ("Socialnämnden" ... "Britt-Marie Holmgren (S), ordförande"), and a contact block (a name on
        one line, the title on the next)."""
        org_types = {"organisation", "municipality"}
        known = {(m.person, m.sentence) for m in extraction.memberships}
        party = rf"\s*\((?:{self.party_pattern})\)"
        board_words = "|".join(map(re.escape, self.k.rules["relation"]["lists"]["board_words"]))
        board_heading = re.compile(rf"(?<![^\W_])(?:{board_words})(?![^\W_])[^:]*:\s*$", re.IGNORECASE)
        members_of: Span | None = None
        heading_title: tuple[str | None, str | None] = (None, None)
        for index, (sentence, spans) in enumerate(found):
            text = sentence.text
            block = blocks[index]
            people = [s for s in spans if s.type == "person"]
            bodies = [s for s in spans if s.type in org_types]
            heading_title = self._heading_title(text, people, heading_title)
            if members_of is not None and not sentence.line_item and not self._continues_list(text):
                members_of = None
            if members_of is None and not sentence.line_item:
                if ":" in text and board_heading.search(text) and not people:
                    members_of = next((s for s in bodies if s.type == "organisation"), None) or block or state.body
            elif members_of is not None:
                for person, office in self._listed_members(text, people, every=sentence.line_item):
                    title, role = self._title(office) if office else (None, None)
                    if not any(m.person == person.key and m.organisation == members_of.key for m in extraction.memberships):
                        extraction.memberships.append(Membership(person.key, members_of.key, members_of.type, title, role, text))
            if block is not None and len(people) > 1:
                # "Councillors Bilal Anwar (Lab), Christine Mottram (C) and ...": members of the body.
                for person in people:
                    if re.match(party, text[person.end:]) and (person.key, text) not in known:
                        known.add((person.key, text))
                        extraction.memberships.append(Membership(person.key, block.key, block.type, None, None, text))
                continue
            if people and (people[0].key, text) not in known and self._table_row(sentence, spans, block, state, extraction, known):
                continue
            if people and self.byline.match(text) and self._byline(sentence, spans, people[0], found, state, extraction, known):
                continue
            if people and self._starts_row(text, people[0]) and self._row_with_affiliation(sentence, spans, people[0], block, state, extraction, known):
                continue
            if people and self._starts_row(text, people[0]) and (people[0].key, text) not in known \
                    and self._dash_row(text, spans, people[0], extraction, known):
                continue
            if not people or not self._starts_row(text, people[0]) or (people[0].key, text) in known:
                continue
            person = people[0]
            tag = re.match(party, text[person.end:])
            rest_start = person.end + (tag.end() if tag else 0)
            after = text[rest_start:]
            title_match = self.title_at_start.match(after)
            title = role = None
            organisation = None
            if title_match:
                title, role = self._title(title_match.group("title"))
                later = [s for s in bodies if s.start >= rest_start + title_match.end()]
                if later and not re.search(r"[.;!?]", text[rest_start + title_match.end():later[0].start]):
                    organisation = later[0]
            elif len(people) == 1 and not bodies and index + 1 < len(found) and not re.sub(r"\([^()]*\)", "", text[person.end:]).strip(" ,"):
                following, following_spans = found[index + 1]
                contact = self.title_line.match(following.text)
                if contact and following.line_index == sentence.line_index + 1:
                    title, role = self._title(contact.group("title"))
                    organisation = next((s for s in following_spans if s.type in org_types), None)
            office, _ = self._office_in_parentheses(after)
            if title is None and office:
                title, role = self._title(office)
            if title is None and (tag or sentence.line_item) and block is not None and len(people) == 1:
                organisation = block
                title, role = heading_title if tag else (None, None)
            elif title is not None and organisation is None:
                organisation = block if block is not None and self._is_office(role) else state.employer
                if organisation is not None and organisation.type != "municipality" and self._is_municipal_title(title):
                    continue
            if organisation is None or (title is None and organisation is not block):
                continue
            known.add((person.key, text))
            extraction.memberships.append(Membership(
                person=person.key, organisation=organisation.key, organisation_type=organisation.type, title=title, role=role,
                sentence=text, qualifiers=self._qualifiers(text[:text.find(title)] if title else "", text),
                sectors=tuple(sorted({s for s, _, _ in self.sectors_in(title, state.language)})) if title else ()))

    def label_relations(self, found: list[tuple[Sentence, list[Span]]], blocks: list[Span | None], state: DocumentState,
                        extraction: Extraction) -> None:
        """"Kredsformand:" on one line, "Helle Holm, direktør i Hillerød Kommune" on the next: a title
        written as a label is the post of the person the next line opens with (besides any post that line
        states). An office is held at the body the page is about; a heading that only names a region
        ("Kreds 1 – Region Hovedstaden") groups the list by place and holds no office."""
        for index, ((label, label_spans), (row, spans)) in enumerate(zip(found, found[1:])):
            written = label.text[:-1].strip() if label.text.endswith(":") else ""
            people = [s for s in spans if s.type == "person"]
            if not written or label_spans or row.line_index != label.line_index + 1 or not people \
                    or not self._starts_row(row.text, people[0]) or self.find_titles(written) != [(0, len(written))]:
                continue
            title, role = self._title(written)
            if self._is_office(role):
                block = blocks[index]
                body = block if block is not None and not block.region else state.body or self._main_organisation(found, at_least=2)
            else:
                body = state.employer
            person = people[0].key
            if body is None or any(m.person == person and m.organisation == body.key and m.title == title for m in extraction.memberships):
                continue
            extraction.memberships.append(Membership(person, body.key, body.type, title, role, row.text,
                                                     qualifiers=self._qualifiers(label.text, label.text)))

    @staticmethod
    def _continues_list(text: str) -> bool:
        """A member list under "The members of X are:" goes on over short lines (names, their titles,
        contact lines) and ends at prose or the next heading."""
        return len(text.split()) <= 12 and not text.rstrip().endswith((".", "!", "?", ":"))

    def _listed_members(self, text: str, people: list[Span], every: bool) -> list[tuple[Span, str | None]]:
        """The members a list line names: in a bulleted item every person; otherwise the persons of a
        line that holds nothing but names, each perhaps with an office in parentheses ("Lord Burns",
        "Jann Sjursen (formand)", two columns of names)."""
        listed = []
        rest = text
        for person in people:
            title, length = self._office_in_parentheses(text[person.end:])
            listed.append((person, title))
            end = person.end + length
            rest = rest[:person.start] + " " * (end - person.start) + rest[end:]
        if every or not rest.strip(" ,;\t"):
            return listed
        return []

    def _starts_row(self, text: str, person: Span) -> bool:
        """The person opens the line (after a bullet or a form of address: "Councillor Tom Reed (Lab)")."""
        lead = text[:person.start]
        return len(lead) <= 4 or all(fold(w).rstrip(".") in self.address_titles or fold(w) in self.k.honorifics
                                     for w in lead.split())

    def _heading_title(self, text: str, people: list[Span], current: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
        """"Ersättare" over "Kjell Englund (C)", "Frida Stål (M)": an office heading a list of members
        in minutes is each one's title, until a row without a party tag (or another heading) ends the list.
        Plain membership ("Ordinarie ledamöter") adds no title."""
        if people:
            return current if re.match(rf"\s*\((?:{self.party_pattern})\)", text[people[0].end:]) else (None, None)
        written = text.strip(" :")
        if len(written.split()) > 4:
            return current  # a heading that is only a title is short; the title pattern is costly on long lines
        singular = written if self.title_only.match(written) else self._singular_title(written)
        if singular is None:
            return current
        title, role = self._title(singular)
        return (None, None) if role == "member" else (title, role)

    def _byline(self, sentence: Sentence, spans: list[Span], person: Span, found: list[tuple[Sentence, list[Span]]],
                state: DocumentState, extraction: Extraction, known: set) -> bool:
        """"By Hannah Kerridge, Health and Social Care Correspondent": the writer works for the paper
        whose masthead heads the page (or for the organisation named in the byline)."""
        text = sentence.text
        title_match = self.title_at_start.match(text[person.end:])
        masthead = next((s for sent, spans_ in found for s in spans_ if sent.line_index == 0 and self.is_media(s)), None)
        named = next((s for s in spans if s.start > person.end and s.type in {"organisation", "municipality"}), None)
        organisation = named or masthead
        if organisation is None:
            return False
        tail = text[person.end:]
        comma = re.match(r"\s*,\s*(?P<title>[^,()]+?)\s*(?:,|$)", tail)
        title = role = None
        if title_match:
            title, role = self._title(comma.group("title") if comma and len(comma.group("title")) < 60 else title_match.group("title"))
        known.add((person.key, text))
        extraction.memberships.append(Membership(person.key, organisation.key, organisation.type, title, role, text))
        return True

    def _row_with_affiliation(self, sentence: Sentence, spans: list[Span], person: Span, block: Span | None,
                              state: DocumentState, extraction: Extraction, known: set) -> bool:
        """A list row "Name (Org, Country), president": the employer in parentheses, the office at the
        body the list belongs to (the heading's, else the document's)."""
        text = sentence.text
        match = re.match(r"\s*\((?P<inside>[^()]{2,120})\)\s*,\s*(?P<title>.+?)\s*[.;]?$", text[person.end:]) or \
            re.match(r"\s*,\s*(?P<title>[^(),]+?)\s*\((?P<inside>[^()]{2,120})\)\s*[.;]?$", text[person.end:])
        if not match or not sentence.line_item:
            return False
        title_match = self.title_line.match(match.group("title"))
        if not title_match or title_match.end() < len(match.group("title").strip()) - 1:
            return False
        inside_start = person.end + match.start("inside")
        employer = next((s for s in spans if s.type in {"organisation", "municipality"}
                         and inside_start <= s.start < person.end + match.end("inside")), None)
        title, role = self._title(title_match.group("title"))
        body = block or state.context or state.body
        known.add((person.key, text))
        if employer is not None:
            extraction.memberships.append(Membership(person.key, employer.key, employer.type,
                                                     None if body is not None and self._is_office(role) else title,
                                                     None if body is not None and self._is_office(role) else role, text))
        if body is not None and self._is_office(role) and (employer is None or body.key != employer.key):
            extraction.memberships.append(Membership(person.key, body.key, body.type, title, role, text,
                                                     self._qualifiers("", text)))
        return employer is not None or body is not None

    def _office_in_parentheses(self, after: str) -> tuple[str | None, int]:
        """"(formand)", "(Chairman)" right after a name: the office, if the words are a title, and the
        length of the parentheses (whatever they hold)."""
        office = re.match(r"\s*\((?P<office>[^()]{2,30})\)", after)
        if office is None:
            return None, 0
        written = office.group("office").strip()
        return (written if self.title_only.match(written) else None), office.end()

    def _dash_row(self, text: str, spans: list[Span], person: Span, extraction: Extraction, known: set) -> bool:
        """"Councillor Hugh Evans – Denbighshire County Council", "Sally Parker - National Forum member":
        a line of a name, a dash and the body the person comes from (and perhaps the post held there)."""
        dash = re.match(r"\s*[–—-]\s+", text[person.end:])
        body = next((s for s in spans if s.start >= person.end), None)
        if not dash or body is None or body.type not in {"organisation", "municipality"} or body.start != person.end + dash.end():
            return False
        rest = text[body.end:].strip(" .;")
        title = role = None
        if rest:
            if not self.title_only.match(rest):
                return False
            title, role = self._title(rest)
        known.add((person.key, text))
        extraction.memberships.append(Membership(person.key, body.key, body.type, title, role, text))
        return True

    def _table_row(self, sentence: Sentence, spans: list[Span], block: Span | None, state: DocumentState,
                   extraction: Extraction, known: set) -> bool:
        """A table row flattened to a line, cells two spaces apart: "Kalmar  Per Nyström  Socialchef (ordförande)"
        gives the title at the row's municipality, and an office in parentheses at the table's body."""
        text = sentence.text
        cells = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.*?\S)?(?=\s{2,}|$)", text)]
        if len(cells) < 2:
            return False
        people = [s for s in spans if s.type == "person"]
        places = [s for s in spans if s.type in {"municipality", "organisation"}]
        if len(people) != 1 or not places:
            return False
        person = people[0]
        cell_of = lambda span: next((i for i, (a, b) in enumerate(cells) if a <= span.start < b), None)  # noqa: E731
        person_cell = cell_of(person)
        place = next((p for p in places if cell_of(p) not in (None, person_cell)), None)
        if place is None:
            return False
        rest = [text[a:b] for i, (a, b) in enumerate(cells) if i not in (person_cell, cell_of(place))]
        title = role = office = None
        for cell in rest:
            match = self.title_cell.match(cell.strip())
            if match:
                title, role = self._title(match.group("title"))
                office = match.group("office")
        if title is None:
            return False
        known.add((person.key, text))
        qualifiers = self._qualifiers(text[:text.find(title)], text)
        extraction.memberships.append(Membership(person.key, place.key, place.type, title, role, text, qualifiers))
        if block is not None and block.key != place.key:
            office_title, office_role = self._title(office.strip()) if office and self.title_only.match(office.strip()) else (None, None)
            extraction.memberships.append(Membership(person.key, block.key, block.type, office_title, office_role, text))
        return True

    def _blocks(self, found: list[tuple[Sentence, list[Span]]]) -> list[Span | None]:
        """For each sentence, the body named by the last short heading line above it (if any)."""
        org_types = {"organisation", "municipality"}
        current: Span | None = None
        blocks: list[Span | None] = []
        for sentence, spans in found:
            words = re.findall(r"[^\W\d_]+", sentence.text)
            bodies = [s for s in spans if s.type in org_types]
            if bodies and not any(s.type == "person" for s in spans) and len(words) <= 10 \
                    and not sentence.text.rstrip().endswith((".", ":")):
                # "Minutes of the Adult Care Committee, Eastmoor Borough Council": the committee heads the list
                committees = [s for s in bodies if s.type == "organisation" and fold(s.name).endswith(self.political_body_heads)]
                if committees:
                    current = committees[0]
                elif bodies[-1].type == "organisation" and not self.is_media(bodies[-1]):
                    current = bodies[-1]
            blocks.append(current)
        return blocks

    def _is_office(self, role: str | None) -> bool:
        """Offices of a body (chair, member, secretary...) rather than posts of an employer."""
        seen = set()
        while role and role not in seen:
            if role in {"chair", "vice-chair", "member", "board-member", "secretary", "treasurer", "committee-chair"}:
                return True
            seen.add(role)
            role = self.k.roles[role].broader if role in self.k.roles else None
        return False

    def _body_before_title(self, text: str, body: Span, title_start: int) -> bool:
        """"Regionens direktør", "RFO:s nyvalda ordförande", "är FSS nyvalde ordförande", "Name - Forum member": the body before a
        title, in the genitive or after "är"/"is", with at most qualifiers ("new", "acting") between."""
        between = text[body.end:title_start].strip(" -")
        if between and not all(fold(w) in self.k.qualifier_words for w in between.split()):
            return False
        if not between and re.search(r"\S\s+[–—-]\s+$", text[:body.start]):
            return True  # "Sally Parker - National Advisory Forum member": a list row's body and post
        return body.genitive or bool(between) and bool(re.search(r"(?<![^\W_])(?:är|er|is|blir|bliver)\s+$", text[:body.start]))

    def _discourse_body(self, text: str, title_end: int, state: DocumentState) -> Span | None:
        """"utvecklingsledare i förbundet": the body the page is about, when the word after the title
        refers back to a body of its kind."""
        match = self.discourse_body_after.match(text, title_end)
        if match is None or state.body is None:
            return None
        return state.body if self.discourse_bodies[fold(match.group("word"))] in fold(state.body.name) else None

    def _is_municipal_title(self, title: str | None) -> bool:
        return bool(title) and fold(title).startswith(self.municipal_title_prefixes)

    def _body_after_name(self, text: str, after: list[Span], title_end: int) -> Span | None:
        """"avdelningschef Åsa Börjesson, Socialstyrelsen, ämnesråd Charlotte Hall, ...": in a list of
        title, name and body, the body stands after the name and a comma, and the item ends after it."""
        if len(after) < 2 or after[0].type != "person" or text[title_end:after[0].start].strip():
            return None
        body = after[1]
        if body.type not in {"organisation", "municipality"} or not re.fullmatch(r"\s*,\s*", text[after[0].end:body.start]):
            return None
        return body if self.list_item_end.match(text, body.end) else None

    def _hiring_body(self, text: str, before: list[Span], title_start: int) -> Span | None:
        """"Greve Kommune har ansat Mette Holst som socialdirektør": the body that hires, for the title after the name."""
        for body, person in zip(before, before[1:]):
            if body.type in {"organisation", "municipality"} and person.type == "person" and person is before[-1] \
                    and self.hire_gap.match(text[body.end:person.start]) and self.hire_as.match(text[person.end:title_start]):
                return body
        return None

    def shared_title_relations(self, sentence: Sentence, spans: list[Span], extraction: Extraction) -> None:
        """A run of people given one plural title at one body: each of them holds it there."""
        text = sentence.text
        for index, span in enumerate(spans):
            if span.type not in {"organisation", "municipality"} or index < 2:
                continue
            match = self.shared_title.match(text[spans[index - 1].end:span.start])
            if not match or spans[index - 1].type != "person":
                continue
            title = self._singular_title(match.group("title"))
            if title is None:
                continue
            people = [spans[index - 1]]
            for earlier in reversed(spans[:index - 1]):
                if earlier.type != "person" or not re.fullmatch(r"\s*(?:,|,?\s*(?:och|og|and|samt))\s*", text[earlier.end:people[0].start]):
                    break
                people.insert(0, earlier)
            if len(people) < 2:
                continue
            written, role = self._title(title)
            known = {(m.person, m.organisation) for m in extraction.memberships}
            for person in people:
                if (person.key, span.key) not in known:
                    extraction.memberships.append(Membership(person.key, span.key, span.type, written, role, text))

    def _singular_title(self, plural: str) -> str | None:
        """"enhetschefer" -> "enhetschef", "service managers" -> "service manager"; None if not a title."""
        if plural.casefold().endswith(self.unchanged_plural_endings) and self.find_titles(plural) == [(0, len(plural))]:
            return plural
        for ending in self.plural_endings:
            if plural.casefold().endswith(ending) and len(plural) > len(ending) + 2:
                singular = plural[: len(plural) - len(ending)]
                if self.title_only.match(singular) or [(0, len(singular))] == self.find_titles(singular):
                    return singular
        return None

    def _person_before(self, text: str, before: list[Span], title_start: int,
                       titles: list[tuple[int, int]]) -> str | None:
        """The person a title belongs to when only connectives, titles and organisations stand between.

        `titles` are the sentence's title spans, found once per sentence: finding them again in
        every gap made one name before a long run of titles cubic."""
        for span in reversed(before):
            if span.type == "person":
                gap_start = span.end
                gap = text[gap_start:title_start]
                if span.genitive and not gap.strip():
                    return None  # "attending as Eugine Yafele’s substitute": the title is someone else's
                pieces, at = [], gap_start
                bodies = [(s.start, s.end) for s in before if s.type in {"organisation", "municipality"} and s.start >= gap_start]
                title_starts = {a for a, _ in titles}
                for a, b in sorted(titles + bodies):
                    if b <= gap_start or a >= title_start:
                        continue
                    a, b = max(a, gap_start), min(b, title_start)
                    if a > at:
                        pieces.append(text[at:a])
                    pieces.append("\x00" if a in title_starts else " ")
                    at = max(at, b)
                pieces.append(text[at:title_start])
                # An earlier post of a list, up to its comma, stands for the person too: "Knud Aarup har
                # været chef for både store og små kommuner, direktør i Socialstyrelsen og landsformand for ..."
                bare = EARLIER_POST.sub(" ", "".join(pieces))
                bare = ABBREVIATION.sub(lambda m: " " if self._is_title_abbreviation(m.group(0)) else m.group(0), bare)
                if re.search(r"[.;:!?]", bare):
                    return None  # punctuation outside the names and titles between ("RFO:s" is a name)
                words = (m.group() for m in re.finditer(r"[^\W\d_]+", bare))
                if all(fold(w) in self.person_gap_words or fold(w) in self.k.qualifier_words
                       or fold(w) in self.body_prepositions and bodies for w in words):
                    return span.key
                # "Graham Pell, who retires in August after eleven years as the borough's director"
                if re.match(r"\s*,\s*(?:who|som|der|hvor)\b", gap):
                    words = re.findall(r"[^\W\d_]+", bare)
                    if 0 < len(words) <= 14 and fold(words[-1]) in {"as", "som", "is", "er", "är", "was", "var"}:
                        return span.key
                return None
        return None

    def _is_title_abbreviation(self, word: str) -> bool:
        """"tf.", "fhv.", "bitr.": abbreviated qualifiers and deputy prefixes, whose full stop ends no sentence."""
        return fold(word) in self.k.qualifier_words or fold(word) in self.deputy_prefixes

    def _pronoun_before(self, text: str) -> bool:
        return any(word in self.pronouns for word in re.findall(r"[^\W\d_]+", text))

    # ----------------------------------------------------------------- papers

    def paper_kind(self, word: str) -> str | None:
        """The paper kind a noun signals, inflected and compound forms included ("skriftserien", "debatoplæg")."""
        folded = fold(word)
        for ending in ("", "en", "et", "n", "t", "erne", "ene", "arna", "er", "s"):
            stem = folded[: len(folded) - len(ending)] if ending and folded.endswith(ending) else (folded if not ending else None)
            if not stem:
                continue
            if stem in self.paper_nouns:
                return self.paper_nouns[stem]
            for noun in self.paper_nouns_by_length:
                if len(noun) >= 4 and stem.endswith(noun) and len(stem) - len(noun) >= 3:
                    return self.paper_nouns[noun]
        return None

    def _quoted_papers(self, sentence: Sentence, spans: list[Span], extraction: Extraction,
                       next_line_persons: list[str] = ()) -> list[PaperFact]:
        text = sentence.text
        papers = []
        for match in QUOTED.finditer(text):
            inner = match.group("inner").strip()
            if len(inner.split()) < 2 or not inner[0].isupper():
                continue
            if any(s.unit and s.start <= match.start("inner") < s.end for s in spans):
                continue
            before = re.findall(r"[^\W\d_]+", text[:match.start()])[-3:]
            after = re.findall(r"[^\W\d_]+", text[match.end():])[:self.k.rules["paper"]["window_words"]]
            kind = None
            for word in list(after) + list(reversed(before)):
                kind = self.paper_kind(word)
                if kind:
                    break
            persons = [s.key for s in spans if s.type == "person" and s.end <= match.start()]
            if kind is None and sentence.line_item:
                persons = [s.key for s in spans if s.type == "person"] or next_line_persons
                if persons or text[:match.start()].rstrip().endswith(":") or not text[:match.start()].strip(" –-"):
                    kind = "presentation"
            if kind is None:
                continue
            creators = tuple(dict.fromkeys(persons)) if kind == "presentation" else ()
            papers.append(PaperFact(entity_key("paper", inner), inner.rstrip(" .,;:"), kind, text, creators=creators))
        return papers

    def papers(self, lines: list[tuple[int, str]], found: list[tuple[Sentence, list[Span]]], extraction: Extraction) -> None:
        papers: list[PaperFact] = []
        prefixes = self.k.rules["paper"]["title_prefixes"]
        if lines:
            title_line = extraction.title
            for prefix, kind in prefixes.items():
                if title_line.startswith(prefix + ":"):
                    title = title_line[len(prefix) + 1:].strip()
                    papers.append(PaperFact(entity_key("paper", title), title, kind, title_line))
        publisher: str | None = None
        series_sentence = False
        for index, (sentence, spans) in enumerate(found):
            following = found[index + 1] if index + 1 < len(found) else None
            next_line_persons = [s.key for s in following[1] if s.type == "person"] \
                if following and following[0].line_index == sentence.line_index + 1 and following[1] \
                and following[1][0].type == "person" and following[1][0].start <= 12 else []
            papers.extend(self._quoted_papers(sentence, spans, extraction, next_line_persons))
            for match in self.titled.finditer(sentence.text):
                title = match.group("title").strip(" -–:\"”’'")
                noun = next((self.paper_kind(w) for w in reversed(re.findall(r"[^\W\d_]+", sentence.text[:match.start()])[-4:])
                             if self.paper_kind(w)), None)
                if noun and len(title.split()) >= 2:
                    papers.append(PaperFact(entity_key("paper", title), title, noun, sentence.text))
            for span in spans:
                if span.type == "organisation" and self.publish.match(sentence.text[span.end:]) and publisher is None:
                    publisher = span.key
            if self.in_series.search(sentence.text):
                series_sentence = True
        series = [p for p in papers if p.kind == "series"]
        # A colon-introduced, semicolon-separated list after a series names the series' parts.
        for sentence, _ in found:
            if series and any(s.title in sentence.text for s in series) and ";" in sentence.text:
                after_series = max(sentence.text.find(s.title) + len(s.title) for s in series if s.title in sentence.text)
                tail = sentence.text[after_series:].split(":", 1)[-1]
                for item in tail.split(";"):
                    title = item.strip().rstrip(".").strip()
                    if len(title.split()) >= 2 and title[0].isupper():
                        papers.append(PaperFact(entity_key("paper", title), title, "report", sentence.text, series=series[0].key))
        merged: dict[str, PaperFact] = {}
        for paper in papers:
            if paper.kind != "series" and paper.series is None and series and series_sentence and paper.kind == "report":
                paper = replace(paper, series=series[0].key)
            if publisher and paper.kind != "presentation" and paper.publisher is None:
                paper = replace(paper, publisher=publisher)
            known = merged.get(paper.key)
            if known is None:
                merged[paper.key] = paper
            else:
                merged[paper.key] = replace(known, series=known.series or paper.series, publisher=known.publisher or paper.publisher,
                                            creators=known.creators or paper.creators,
                                            kind="series" if "series" in (known.kind, paper.kind) else known.kind)
        extraction.papers.extend(merged[k] for k in sorted(merged))

    # ----------------------------------------------------------------- document

    def _date(self, lines: list[tuple[int, str]]) -> str | None:
        for _, line in lines[: self.k.rules["date"]["head_lines"]]:
            for pattern in (self.date_iso, self.date_written, self.date_english):
                match = pattern.search(line)
                if match:
                    month = match.group("month")
                    month_number = int(month) if month.isdigit() else self.months[month.lower()]
                    day, year = int(match.group("day")), int(match.group("year"))
                    try:
                        return datetime.date(year, month_number, day).isoformat()  # "30 februar" is no date
                    except ValueError:
                        continue
        return None

    def _is_date_line(self, line: str) -> bool:
        rest = line
        for pattern in (self.date_iso, self.date_written, self.date_english):
            rest = pattern.sub("", rest)
        return len(re.findall(r"[^\W\d_]{3,}", rest)) <= 1

    def extract(self, document: Document, language: str) -> Extraction:
        lines = content_lines(document.text, self.k)
        title = next((line for _, line in lines if not self._is_date_line(line)), lines[0][1] if lines else document.identifier)
        extraction = Extraction(document.identifier, language, title, self._date(lines), document.content_hash)
        state = DocumentState(language)
        found, places, readable = [], [], []
        for sentence in sentences(document.text, self.k, lines):
            readable.append(self._in_readable_case(sentence.text))
            places.append(self.place_names(readable[-1], state))
            found.append((sentence, self.names(readable[-1], state, places[-1])))
        self._acronyms_by_initials(found, document.text, state)
        # A second pass sees the acronyms the whole document defined and the surnames of the persons
        # it named, in the sentences where one of them occurs.
        later = set(state.acronyms) | {w for name in state.persons.values() for w in name.split()[1:]}
        found = [(sentence, self.names(text, state, sentence_places) if not later.isdisjoint(self._word_texts(text)) else spans)
                 for (sentence, spans), sentence_places, text in zip(found, places, readable)]
        state.context = self._context_municipality(found, title) or self._dateline_municipality(found) \
            or self._discourse_municipality(found, document.text)
        state.employer = self._employer(found, state.context)
        state.body = self._main_organisation(found)
        blocks = self._blocks(found)
        mentions: dict[tuple[str, str], Mention] = {}
        last_person: str | None = None
        for index, (sentence, spans) in enumerate(found):
            state.block = blocks[index]
            for span in spans:
                surface = sentence.text[span.start:span.name_end]
                if span.type == "person":
                    state.persons.setdefault(span.key, span.name)
                mention = Mention(span.type, span.key, surface, span.name, sentence.text, sentence.start + span.start, span.curated)
                mentions.setdefault((span.type, span.key, surface), mention)
                if span.type == "organisation" and (span.country or span.parent):
                    extraction.organisations.append(OrganisationFact(span.key, parent=span.parent, parent_type=span.parent_type,
                                                                     country=span.country))
            self.read_relations(sentence, spans, state, extraction)
            self.titled_relations(sentence, spans, state, extraction, last_person)
            self.shared_title_relations(sentence, spans, extraction)
            persons_here = [s.key for s in spans if s.type == "person"]
            if persons_here:
                last_person = persons_here[-1]
        self.line_relations(found, blocks, state, extraction)
        self.label_relations(found, blocks, state, extraction)
        self._headline_post(found, state, extraction)
        self._posts_in_named_units(found, extraction)
        for sentence, spans in found:
            for span in spans:
                if span.type == "organisation":
                    sectors = tuple(sorted({s for s, _, _ in self.sectors_in(span.name, language)}))
                    if sectors:
                        extraction.organisations.append(OrganisationFact(span.key, sectors=sectors))
        for sector_id, offset, stop in self.sectors_in(document.text, language):
            evidence = self._sentence_at(found, offset) or document.text[offset:stop]
            mentions.setdefault(("sector", sector_id, ""), Mention("sector", f"sector:{sector_id}", document.text[offset:stop],
                                                                   sector_id, evidence, offset, True))
        self.papers(lines, found, extraction)
        for paper in extraction.papers:
            mentions.setdefault(("paper", paper.key, paper.title), Mention("paper", paper.key, paper.title, paper.title, paper.sentence, 0))
        extraction.mentions = sorted(mentions.values(), key=lambda m: (m.start, m.type, m.key, m.surface))
        self._merge_genitive_persons(extraction)
        self._key_units_by_municipality(extraction)
        return extraction

    def _key_units_by_municipality(self, extraction: Extraction) -> None:
        """Hultsfred's "Socialnämnden" and Sollefteå's are two bodies: a unit a generic word names, that
        the document places in a municipality, is keyed by that municipality as well as by its name."""
        parents: dict[str, str] = {}
        for fact in extraction.organisations:
            if fact.parent and fact.parent_type == "municipality":
                parents.setdefault(fact.key, fact.parent)
        names = {m.key: m.name for m in extraction.mentions if m.type == "organisation"}
        renamed = {}
        for key, parent in parents.items():
            words = fold(names.get(key, "")).split()
            if key.startswith("organisation:~") and words and (words[0].endswith(self.municipal_unit_heads)
                                                               or words[-1].endswith(self.municipal_unit_heads)):
                renamed[key] = f"organisation:~{parent.split(':', 1)[1]} {key.split(':~', 1)[1]}"
        if not renamed:
            return
        get = renamed.get
        extraction.mentions = [replace(m, key=get(m.key, m.key)) if m.type == "organisation" else m for m in extraction.mentions]
        extraction.memberships = [replace(m, organisation=get(m.organisation, m.organisation)) for m in extraction.memberships]
        extraction.organisations = [replace(f, key=get(f.key, f.key), parent=get(f.parent, f.parent)) for f in extraction.organisations]
        extraction.papers = [replace(p, publisher=get(p.publisher, p.publisher)) for p in extraction.papers]

    def _in_readable_case(self, text: str) -> str:
        """"KOMMUNSTYRELSENS SOCIALA UTSKOTT", "MINUTES OF THE CARE SERVICES PDS COMMITTEE": words a heading
        writes in capitals are read as a name is written ("Kommunstyrelsens Sociala Utskott"), small
        connecting words in lower case and short acronyms kept; the offsets stay those of the text."""
        def recase(run: re.Match) -> str:
            words = []
            for word in run.group(0).split(" "):
                if fold(word) in self.name_connectors:
                    new = word.lower()
                elif len(word) <= 2 or len(word) == 3 and not re.search(VOWEL, word):
                    new = word  # "UK", "PDS", "NHS": acronyms
                else:
                    new = word[0] + word[1:].lower()
                words.append(new if len(new) == len(word) else word)
            return " ".join(words)
        return CAPITALS_RUN.sub(recase, text) if FOUR_CAPITALS.search(text) else text  # a run needs four capitals in a row

    @staticmethod
    def _merge_genitive_persons(extraction: Extraction) -> None:
        """"Nina Eg Hansens cv" names Nina Eg Hansen when the text also names her without the -s."""
        persons = {m.key: m.name for m in extraction.mentions if m.type == "person"}
        renamed = {key: key[:-1] for key in persons if key.endswith("s") and key[:-1] in persons}
        if not renamed:
            return
        extraction.mentions = [replace(m, key=renamed[m.key], name=persons[renamed[m.key]]) if m.type == "person" and m.key in renamed
                               else m for m in extraction.mentions]
        extraction.memberships = list(dict.fromkeys(replace(m, person=renamed.get(m.person, m.person)) for m in extraction.memberships))
        extraction.papers = [replace(p, creators=tuple(dict.fromkeys(renamed.get(c, c) for c in p.creators))) for p in extraction.papers]

    def _headline_post(self, found: list[tuple[Sentence, list[Span]]], state: DocumentState, extraction: Extraction) -> None:
        """"Socialchef i Tranås slutar" ... "Maria Holm lämnar ...": the post a headline names without a
        name belongs to the first person the article names, at the body the headline names (else the
        document's municipality)."""
        head_lines = self.k.rules["date"]["head_lines"]
        for index, (sentence, spans) in enumerate(found):
            if sentence.line_index > head_lines:
                return
            titles = [(a, b) for a, b in self.find_titles(sentence.text) if not any(s.start <= a < s.end for s in spans)]
            if not titles or any(s.type == "person" for s in spans) or self.byline.match(sentence.text) \
                    or len(sentence.text.split()) > 20 or sentence.text.endswith(".") and not self.appointed.search(sentence.text):
                continue  # a headline is short; a lead sentence must say the post was filled
            bodies = [s for s in spans if s.type in {"organisation", "municipality"} and not self.is_media(s)
                      and not self._is_place_elsewhere(sentence, s)]
            if any(s.type == "person" for _, earlier_spans in found[:index] for s in earlier_spans):
                return  # a title line after a name is that name's contact line, not a headline
            body = bodies[0] if bodies else state.context
            first_person = next((s for later, later_spans in found[index + 1:] if not self.byline.match(later.text)
                                 for s in later_spans if s.type == "person"), None)
            if body is None or first_person is None:
                return
            if not any(m.person == first_person.key and m.organisation == body.key for m in extraction.memberships):
                start, end = titles[0]
                title, role = self._title(sentence.text[start:end])
                extraction.memberships.append(Membership(first_person.key, body.key, body.type, title, role, sentence.text,
                                                         self._qualifiers(sentence.text, sentence.text)))
            return

    def _posts_in_named_units(self, found: list[tuple[Sentence, list[Span]]], extraction: Extraction) -> None:
        """Move a post given to a municipality to the one unit of the kind its title heads that the
        text names ("Annelie Sundqvist, förvaltningschef" in minutes naming "Socialförvaltningen")."""
        rules = self.k.rules["relation"]["title_units"]
        named = {}
        for _, spans in found:
            for span in spans:
                if span.type == "organisation":
                    named.setdefault(fold(span.name), span)

        def units_headed(heads) -> dict[str, Span]:
            return {span.key: span for name, span in named.items() for head in heads if name.endswith(head) and len(name) > len(head)}

        minutes = any(self.minutes_word.search(sentence.text) for sentence, _ in found
                      if sentence.line_index < rules["minutes_head_lines"])
        administration = units_headed(rules["administration_heads"]) if minutes else {}
        for index, membership in enumerate(extraction.memberships):
            if membership.organisation_type != "municipality" or not membership.title:
                continue
            title = fold(membership.title)
            heads = [head for title_part, head in rules["units"].items() if title_part in title]
            candidates = units_headed(heads[:1]) if heads else administration
            if heads or not self._is_office(membership.role) and not self._is_municipal_title(membership.title):
                if len(candidates) == 1:
                    unit = next(iter(candidates.values()))
                    extraction.memberships[index] = replace(membership, organisation=unit.key, organisation_type="organisation")
                    extraction.organisations.append(OrganisationFact(unit.key, parent=membership.organisation,
                                                                     parent_type="municipality"))

    def _is_place_elsewhere(self, sentence: Sentence, span: Span) -> bool:
        """"lämnar Ånge", "bosatt i Stockholm": a place someone leaves or lives in, not the one the text is about."""
        return bool(self.elsewhere_place.search(sentence.text[:span.start]))

    def is_media(self, span: Span) -> bool:
        return span.type == "organisation" and fold(span.name.split()[-1] if span.name.split() else "").endswith(self.media_heads)

    def _context_municipality(self, found: list[tuple[Sentence, list[Span]]], title: str) -> Span | None:
        """The body a document is about, for titles written without one ("direktøren", "the council"):
        the municipality (else the organisation) its headline or its first line names, when only one."""
        org_types = ("municipality", "organisation")
        head = [(sentence, spans) for sentence, spans in found if sentence.line_index == 0 or sentence.text in title]
        for kind in org_types:
            named = {span.key: span for sentence, spans in head for span in spans
                     if span.type == kind and not self.is_media(span) and not self._is_place_elsewhere(sentence, span)}
            if len(named) == 1:
                return next(iter(named.values()))
        return None

    def _dateline_municipality(self, found: list[tuple[Sentence, list[Span]]]) -> Span | None:
        """"VIBORG: Direktøren for ...", "UMEÅ (TT) – Socialchefen ...": the place a dateline names."""
        for sentence, spans in found[:self.dateline_lines]:
            match = self.dateline.match(sentence.text)
            if match:
                return next((s for s in spans if s.type == "municipality" and s.start < match.end()), None)
        return None

    def _employer(self, found: list[tuple[Sentence, list[Span]]], context: Span | None) -> Span | None:
        """A committee holds offices but employs nobody: when the document is about one (minutes), posts
        named without a body are held at the municipality the document names most (the first of equals)."""
        if context is None or context.type != "organisation" or not fold(context.name).endswith(self.political_body_heads):
            return context
        counts: Counter[str] = Counter()
        first: dict[str, Span] = {}
        for sentence, spans in found:
            for span in spans:
                if span.type == "municipality" and not self._is_place_elsewhere(sentence, span):
                    counts[span.key] += 1
                    first.setdefault(span.key, span)
        if not counts:
            return context
        most = max(counts.values())
        return next(first[key] for key in first if counts[key] == most)

    def _discourse_municipality(self, found: list[tuple[Sentence, list[Span]]], text: str) -> Span | None:
        """When the headline names no body: the municipality a text that refers back to one ("the council",
        "kommunen") names most, or, when others are named as often, the one its lead sentence names alone."""
        if not self.discourse.search(text):
            return None
        counts: dict[str, int] = {}
        first: dict[str, Span] = {}
        for sentence, spans in found:
            for span in spans:
                if span.type == "municipality" and not self._is_place_elsewhere(sentence, span):
                    counts[span.key] = counts.get(span.key, 0) + 1
                    first.setdefault(span.key, span)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            return None
        if ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
            return first[ranked[0][0]]
        lead = next(({s.key for s in spans if s.key in counts} for _, spans in found if any(s.key in counts for s in spans)))
        if len(lead) == 1 and counts[next(iter(lead))] == ranked[0][1]:
            return first[next(iter(lead))]  # the one municipality of the lead, named as often as any other
        return None

    def _main_organisation(self, found: list[tuple[Sentence, list[Span]]], at_least: int = 3) -> Span | None:
        """The organisation named at least three times (or `at_least`) and more often than any other."""
        counts: dict[str, int] = {}
        first: dict[str, Span] = {}
        for _, spans in found:
            for span in spans:
                if span.type == "organisation" and not self.is_media(span):
                    counts[span.key] = counts.get(span.key, 0) + 1
                    first.setdefault(span.key, span)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if ranked and ranked[0][1] >= at_least and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
            return first[ranked[0][0]]
        return None

    @staticmethod
    def _sentence_at(found: list[tuple[Sentence, list[Span]]], offset: int) -> str | None:
        for sentence, _ in found:
            if sentence.start <= offset < sentence.start + len(sentence.text):
                return sentence.text
        return None


def extract_document(document: Document, knowledge: Knowledge, language: str) -> Extraction:
    """The pure per-document function the build maps over the corpus."""
    return extractor_for(knowledge).extract(document, language)


_EXTRACTORS: dict[int, Extractor] = {}


def extractor_for(knowledge: Knowledge) -> Extractor:
    """One compiled extractor per Knowledge object in this process."""
    extractor = _EXTRACTORS.get(id(knowledge))
    if extractor is None or extractor.k is not knowledge:
        extractor = _EXTRACTORS[id(knowledge)] = Extractor(knowledge)
    return extractor
