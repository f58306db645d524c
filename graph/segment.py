"""Split a document's text into content lines and sentences, keeping character offsets.

Line boundaries matter (titles, programme items, contact blocks), so a sentence never
crosses a line break; page furniture lines are dropped before anything is extracted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .knowledge import Knowledge, alternatives

QUOTED_SPAN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(:]))[‘“”\"'«„][^‘“”\"«»\n]{3,220}?(?:[’'](?![^\W\d_])|[”\"»“])")
LIST_ITEM = re.compile(r"^\s*(?:[-–•*·▪►]|[A-H][.)]|[A-H](?=\s{2})|\d{1,2}[.)]|\d{1,2}[.:]\d{2}(?:\s*[-–]\s*\d{1,2}[.:]\d{2})?)\s+")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of text[0] in the document
    line_item: bool  # the line is a list or programme item ("1. ...", "- ...", "10.15 ...")
    line_index: int


def content_lines(text: str, knowledge: Knowledge) -> list[tuple[int, str]]:
    """(offset, line) for every line that is not blank and not page furniture.

    A furniture heading ("Læs også", "More news") drops the short lines under it too: they are
    other articles' headlines, up to the next blank line."""
    lines = []
    in_block = False
    for offset, raw in _cells(text):
        stripped = raw.strip()
        if not stripped:
            in_block = False
        elif knowledge.furniture_block.match(stripped):
            in_block = True
        elif in_block and len(stripped.split()) <= 14:
            pass
        elif not knowledge.furniture.match(stripped):
            in_block = False
            lines.append((offset + (len(raw) - len(raw.lstrip())), stripped))
    return _join_wrapped(lines, text, knowledge)


# A line that stops at a comma or a conjunction, or in mid-sentence before a line that goes on in small
# letters, was wrapped by the page's layout: "studierektor vid institutionen för socialt arbete och" /
# "Elin Kjörrefjord, ordförande för SSAS" is one sentence.
GOES_ON = re.compile(r"^[a-zæøåäöü]")


def _join_wrapped(lines: list[tuple[int, str]], text: str, knowledge: Knowledge) -> list[tuple[int, str]]:
    """Lines the layout wrapped, joined again; the newline becomes a space, so offsets still hold."""
    wrapped_end, _, longest = _patterns(knowledge)
    joined: list[tuple[int, str]] = []
    for offset, line in lines:
        if joined:
            previous_offset, previous = joined[-1]
            end = previous_offset + len(previous)
            adjacent = text[end:offset] == "\n"
            # the ending is a word at most `longest` long (before a final newline, if any): only the line's end is searched
            wrapped = wrapped_end.search(previous, max(0, len(previous) - longest - 1)) or previous[-1:].islower() and GOES_ON.match(line)
            if adjacent and wrapped:
                joined[-1] = (previous_offset, f"{previous} {line}")
                continue
        joined.append((offset, line))
    return joined


# A table flattened without a space between its cells glues a label to its value: "Nämnd/StyrelseArbetsmarknads-
# och socialnämnden", "Utses att justeraIsabel Hildén". A word in small letters that runs into a capitalised
# word is such a seam; names written in camel case ("McDonald", "EuroHealthNet", "PowerPoint") have shorter parts.
CELL_SEAM = re.compile(r"(?<=[a-zæøåäöüéè]{5})(?=[A-ZÆØÅÄÖÜÉ][a-zæøåäöüéè]{3})")


def _cells(text: str) -> list[tuple[int, str]]:
    """(offset, piece) for the text's lines, glued table cells split apart."""
    pieces, offset = [], 0
    for raw in text.split("\n"):
        start = 0
        for seam in CELL_SEAM.finditer(raw):
            pieces.append((offset + start, raw[start:seam.start()]))
            start = seam.start()
        pieces.append((offset + start, raw[start:]))
        offset += len(raw) + 1
    return pieces


def _boundary_pattern(knowledge: Knowledge) -> re.Pattern:
    abbreviations = knowledge.rules["sentence"]["abbreviations"]
    # A full stop after an abbreviation or a lone initial ("Søren K. Dahl") ends nothing; nor does a
    # dotted leader ("Sekreterare ........ Malin Höglund" in the signatures of minutes).
    forms = sorted({form for a in abbreviations for form in (a, a[:1].upper() + a[1:])})  # "bitr." and "Bitr."
    guarded = "".join(rf"(?<!\b{re.escape(a)}\.)" for a in forms if len(a) <= 6 and "." not in a)
    # The cheap test comes first: the lookbehinds are tried only after a full stop, not at every character.
    return re.compile(r"(?<=[.!?…])" + guarded + r"(?<!\b[A-ZÆØÅÄÖ]\.)(?<!\.\.\.\.)[\"”’)]?\s+(?=[\"“”‘'(«–-]?\s?[A-ZÆØÅÄÖÜÉ0-9])")


_PATTERNS: dict[int, tuple[Knowledge, tuple[re.Pattern, re.Pattern, int]]] = {}


def _patterns(knowledge: Knowledge) -> tuple[re.Pattern, re.Pattern, int]:
    """The rules' wrapped-line ending, sentence boundary and longest wrap word, made once per Knowledge object."""
    known = _PATTERNS.get(id(knowledge))
    if known is None or known[0] is not knowledge:
        words = knowledge.rules["sentence"]["wrap_words"]
        wrapped_end = re.compile(rf"(?:,|(?<![^\W\d_])(?:{alternatives(words)}))$")
        longest = max([1, *map(len, words)])
        known = _PATTERNS[id(knowledge)] = (knowledge, (wrapped_end, _boundary_pattern(knowledge), longest))
    return known[1]


def sentences(text: str, knowledge: Knowledge, lines: list[tuple[int, str]] | None = None) -> list[Sentence]:
    """Sentences of the content lines (`lines`, when the caller has them already), each with its offset in the document."""
    boundary = _patterns(knowledge)[1]
    found: list[Sentence] = []
    for index, (offset, line) in enumerate(content_lines(text, knowledge) if lines is None else lines):
        item = bool(LIST_ITEM.match(line))
        start = 0
        quoted = [(m.start(), m.end()) for m in QUOTED_SPAN.finditer(line)]
        for match in boundary.finditer(line):
            if any(a < match.start() < b - 1 for a, b in quoted):
                continue  # "Top Down? Directors and ..." is one title, not two sentences
            piece = line[start:match.end()].strip()
            if piece:
                found.append(Sentence(piece, offset + start, item, index))
            start = match.end()
        piece = line[start:].strip()
        if piece:
            found.append(Sentence(piece, offset + start, item, index))
    return found
