"""The title pattern written as a trie matches exactly what the flat alternation of the rules matches."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.knowledge import _title_regex, _trie, load_knowledge


def flat_title_regex(role_forms, heads) -> str:
    """The title pattern as it was written before the trie: one branch per form and head."""
    listed = sorted(role_forms, key=lambda f: (-len(f), f))
    alternatives = [re.escape(f).replace(r"\ ", r"\s+") for f in listed]
    suffixes = "|".join(re.escape(s) for s, _ in heads)
    compound = rf"(?:[^\W\d_]+-\s+(?:og|och|and|&|eller)\s+)?[^\W\d_]*(?:{suffixes})" if suffixes else ""
    return r"(?i:(?:" + "|".join(alternatives + ([compound] if compound else [])) + r"))(?![^\W\d_])"


def spans(pattern: re.Pattern, text: str) -> list:
    return [(m.span() if (m := pattern.match(text, q)) else None) for q in range(len(text) + 1)]


def test_rules_title_pattern_is_a_trie_and_matches_like_the_flat_one():
    k = load_knowledge()
    assert len(k.title_regex) < len(flat_title_regex(k.role_forms, k.role_heads))  # the trie is in use
    flat, trie = re.compile(flat_title_regex(k.role_forms, k.role_heads)), re.compile(k.title_regex)
    text = ("Anna Berg, socialchef i Randers; Director of Adult Social Care, head, Head of Service, "
            "social- og sundhedschef, 1:e vice ordförande, co-ordinator; Projektleder, chefen, Lead Member "
            "for Children, vice  ordförande\tborgmester, avdelningschefer, Ärztin, ÄRZTIN, Chairs")
    assert spans(flat, text) == spans(trie, text)
    # inside a larger pattern the order of preference is the flat one's too
    for wrapper in (r"^(?P<t>{T})\s+(?:of|for|i)\s+", r"(?P<t>{T}),?\s+$", r"^(?:{T})$"):
        a, b = (re.compile(wrapper.replace("{T}", p), re.IGNORECASE) for p in (flat.pattern, trie.pattern))
        for q in range(len(text)):
            for piece in (text[q:], text[q:q + 30]):
                ma, mb = a.search(piece), b.search(piece)
                assert (ma and (ma.span(), ma.groupdict())) == (mb and (mb.span(), mb.groupdict()))


words = st.text(alphabet="abcæå- ", min_size=1, max_size=7).filter(lambda w: w == w.strip() and "  " not in w)


@settings(max_examples=300, deadline=None)
@given(forms=st.lists(words, min_size=1, max_size=12, unique=True),
       heads=st.lists(st.text(alphabet="abcæ-", min_size=1, max_size=4), min_size=1, max_size=5, unique=True),
       text=st.text(alphabet="abcABCæÆåÅ- ,\t", max_size=30))
def test_trie_matches_like_the_flat_alternation(forms, heads, text):
    role_forms = dict.fromkeys(forms, "x")
    role_heads = sorted(((h, "x") for h in heads), key=lambda item: (-len(item[0]), item))
    flat, trie = re.compile(flat_title_regex(role_forms, role_heads)), re.compile(_title_regex(role_forms, role_heads))
    assert spans(flat, text) == spans(trie, text)
    gap_a, gap_b = (re.compile(rf"(?P<t>{p})\s*,", re.IGNORECASE) for p in (flat.pattern, trie.pattern))
    assert [m.span() for m in gap_a.finditer(text)] == [m.span() for m in gap_b.finditer(text)]


def test_no_trie_where_a_text_character_matches_two_letters():
    assert _trie(["chef", "chaf"], spaces=True) is not None
    assert _trie(["ıl", "il"], spaces=True) is None  # "I" matches both "ı" and "i" ignoring case
    assert _trie(["ſa", "sb"], spaces=False) is None
    assert _trie(["a  b"], spaces=True) is None  # a doubled space would make the whitespace run ambiguous
    assert _trie(["ab", "abc"], spaces=True) is None  # not longest first
