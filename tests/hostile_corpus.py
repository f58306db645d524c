"""A hostile corpus, written into a folder at test time (the repository holds no odd binaries).

`write_hostile_corpus(folder)` writes good documents in English, Danish and Swedish beside
everything a user's folder may really hold: legacy code pages, BOMs, UTF-16, empty and
whitespace-only files, binaries renamed .txt/.html, an oversize file, script-laden HTML,
bidi overrides, zero-width joiners, emoji, combining marks and control characters, a 1 MB
single line, symlink loops, a broken link, unreadable entries, and names that would break a
Turtle literal or an IRI if they were pasted in unescaped.

It returns a manifest: what was written, which paths the build must skip and why (as a
regular expression over the reason the CLI prints), and which entities the readable
documents must yield. Tests compare the build against it; nothing here imports `graph`.
"""
from __future__ import annotations

import os
import stat
import struct
import zlib
from pathlib import Path

# The "max bytes" the tests pass to `kg build`: the big file is over it, the 1 MB line under it.
MAX_BYTES = 1_500_000
BIG_BYTES = MAX_BYTES + 100_000
LONG_LINE_BYTES = 1_000_000

# A text that must reach the page and the graph as text, never as markup.
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
SCRIPT_PAYLOAD = "<script>alert(2)</script>"
# File names are part of the corpus too: they become dcterms:identifier and document IRIs.
HOSTILE_FILE_NAME = "666_<img src=x onerror=alert(1)>.txt"
QUOTES_FILE_NAME = "quotes \"'\"\"\" <&> \\ `x`.txt"
IRI_FILE_NAME = "iri doc #1 %20 <a> {b} |c| ^d^ `e`.txt"

GOOD_EN = """Northbridge appoints a new director

Marjorie Whitfield, Director of the Northbridge Institute for Social Welfare, opened the annual
forum on leadership in public social services. She said that good management of care homes
depends on trained leaders at every level.
"""

GOOD_DA = """Nyt om ledelse i socialt arbejde

Ingrid Fjeldsø, direktør, Socialt Udviklingscenter, fortalte på årsmødet om ledelse af kvalitet
i arbejdet med udsatte børn og familier. Hun mener, at lederne skal have tid til det faglige skøn.
"""

GOOD_SV = """Ny socialchef i Malmö

Anna Berg, socialchef i Malmö stad, berättade om arbetet med äldreomsorgen och om hur cheferna
ska få mer stöd i det dagliga ledarskapet.
"""

CP1252_DA = """Kære kolleger i ældreplejen

Søren Kjærgaard, direktør, Socialt Udviklingscenter, åbnede mødet om ældreplejen og om ledelse på
plejecentrene. Mødet blev holdt i Århus.
"""

LATIN1_SV = """Möte om äldreomsorgen

Åsa Lindström, socialchef i Malmö stad, öppnade mötet om äldreomsorgen och om ledarskap på
äldreboendena. Hon bjöd på kaffe och smörgåsar.
"""

UTF16_EN = """Children's services leadership

Henrik Dahl, Director of the Westfield Institute for Child Welfare, spoke about leadership in
children's services and the support that front-line managers need.
"""

UTF8_BOM_DA = """Ny leder af familieområdet

Mette Holm, direktør, Socialt Udviklingscenter, tiltræder den 1. marts og skal lede arbejdet med
udsatte børn og familier.

Bente Krogh, udsatteområdechef i Aarhus Kommune, bød velkommen.
"""

HOSTILE_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Harbourside news &amp; &lt;script&gt;alert(1)&lt;/script&gt;</title>
<style>body {{ background: url("javascript:alert(1)") }} .x::after {{ content: "Styled Person, Director of the Style Institute" }}</style>
<script>var leader = "Scripted Person, Director of the Script Institute"; alert(1);</script>
<script src="https://evil.example/x.js"></script>
</head>
<body onload="alert(1)">
<h1>Harbourside news</h1>
<p><img src=x onerror="alert(1)">Thomas Reed, Director of the Harbourside Centre for Family Services, said the
centre will hire new managers.</p>
<p>The '&lt;img src=x onerror=alert(1)&gt;' working group met on Monday.
<a href="javascript:alert(1)" onclick="alert(1)">Read the minutes</a> and
<a href="JaVaScRiPt:alert(1)">the agenda</a>.</p>
<p onmouseover="alert(1)">Visible text: {IMG_PAYLOAD.replace("<", "&lt;").replace(">", "&gt;")} and
{SCRIPT_PAYLOAD.replace("<", "&lt;").replace(">", "&gt;")} are only text here.</p>
<svg onload="alert(1)"><text>Svg Person, Director of the Vector Institute</text></svg>
<iframe src="javascript:alert(1)"></iframe>
<div hidden>Hidden Person, Director of the Hidden Institute</div>
<noscript>Noscript Person, Director of the Noscript Institute</noscript>
</body>
</html>
"""

# Bidi override, zero-width joiners, emoji, combining marks (NFD), a few control characters.
UNICODE_TEXT = (
    "Leadership note \U0001F469\u200D\u2695\uFE0F\U0001F1E9\U0001F1F0\n\n"
    "Jose\u0301 Marti\u0301nez, Director of the Southport Institute for Social Care, met the team "
    "\u202egnirts desrever\u202c today \U0001F600.\n"
    "Zero\u200dwidth\u200bjoiners and \u2066isolates\u2069 and a soft\u00adhyphen.\n"
    "Control characters: \x01\x02\x07\x1b[31m and a DEL \x7f end.\n"
)

QUOTES_TITLE = 'Report: The "Triple """ Quote" review \\ of <Care> & \'Trust\' \\"'
QUOTES_ESCAPES = "Nina Storm wrote \\u0022 and \\U00000022 and \\t and ''' and a backslash at the end \\"
QUOTES_TEXT = (
    QUOTES_TITLE + "\n\n"
    "The '<Back\\slash> & `tick` {x}' working group met in the town hall.\n"
    'Laura Quinn, Director of the Eastgate Institute for Social Care, said: "We """ never \\n escape \\" enough".\n'
    + QUOTES_ESCAPES + "\n"
)

IRI_TEXT = (
    "Names that are not IRIs\n\n"
    "The '#1 <Team> {Øst} |Nord| ^50% `tick`' working group met on Friday.\n"
    "AFS (Alpha#1 Forum%20 Social{x}) held its meeting, and AFS will meet again.\n"
    "Peter Lund, Director of the Ringsted Institute for Social Work, chaired it.\n"
)

LONG_LINE_HEAD = "Oliver Grant, Director of the Longfield Institute for Social Care, wrote this line. "


def _png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff")) + chunk(b"IEND", b""))


def _pdf() -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Length 44 >>\nstream\n" + bytes(range(256)) + b"\nendstream\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _long_line(size: int) -> str:
    """A title, then one line of `size` bytes: a sentence with names, then one endless word.

    The sentence ends before the filler, so the evidence literals stay short (a literal of
    1 MB makes graph/validate.py's N-Triples round trip take half a minute, tested apart).
    """
    title = "A very long line\n\n"
    filler = "X" + "x" * (size - len(LONG_LINE_HEAD) - 2)
    return title + LONG_LINE_HEAD + filler + "\n"


def write_hostile_corpus(folder: str | os.PathLike, *, reverse: bool = False,
                         long_line_bytes: int = LONG_LINE_BYTES) -> dict:
    """Write the hostile corpus into `folder` (created if needed) and return its manifest.

    `reverse` writes the entries in the opposite order (another directory order on disk, same
    content). The manifest has:

    - "root": the folder; "max_bytes": the limit to pass as --max-bytes;
    - "files": relative path -> what it is;
    - "skips": relative path -> regular expression the printed skip reason must match;
    - "maybe_skips": relative paths that may or may not be skipped (chmod 000 as root);
    - "documents": relative paths of the files that must be read as documents;
    - "persons", "organisations", "municipalities": names the graph must hold;
    - "memberships": (person, organisation) pairs the graph must hold;
    - "unlisted_titles": role titles no list holds, whose concept IRIs are minted from them;
    - "absent": text that must not reach the graph (scripts, styles, hidden elements);
    - "literals": text that must reach the graph as literal text, unchanged.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    skips: dict[str, str] = {}
    maybe: list[str] = []
    documents: list[str] = []
    actions = []

    def add(relative: str, data: bytes, what: str, skip: str | None = None) -> None:
        def write() -> None:
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        actions.append(write)
        files[relative] = what
        if skip:
            skips[relative] = skip
        else:
            documents.append(relative)

    add("good/whitfield-en.txt", GOOD_EN.encode(), "good English document")
    add("good/fjeldso-da.txt", GOOD_DA.encode(), "good Danish document")
    add("good/berg-sv.txt", GOOD_SV.encode(), "good Swedish document")
    add("encodings/kjaergaard-cp1252.txt", CP1252_DA.encode("cp1252"), "Danish in Windows-1252")
    add("encodings/lindstrom-latin1.txt", LATIN1_SV.encode("latin-1"), "Swedish in Latin-1")
    add("encodings/dahl-utf16.txt", UTF16_EN.encode("utf-16"), "UTF-16 with BOM")  # Python writes the BOM
    add("encodings/holm-utf8bom.txt", b"\xef\xbb\xbf" + UTF8_BOM_DA.encode(), "UTF-8 with BOM")
    add("bad/empty.txt", b"", "empty file", r"empty")
    add("bad/blank.txt", b"  \n\t\r\n   \n", "whitespace only", r"empty")
    add("bad/report.txt", _pdf(), "PDF renamed .txt", r"binary.*PDF")
    add("bad/picture.html", _png(), "PNG renamed .html", r"binary.*PNG")
    add("bad/big.txt", (GOOD_EN * (BIG_BYTES // len(GOOD_EN) + 1)).encode()[:BIG_BYTES], "over --max-bytes",
        r"larger than")
    add("bad/nul.txt", b"Anna Berg\x00\x00\x00\x01\x02 binary\x00junk" * 50, "NUL bytes", r"binary")
    add("bad/notes.docx", b"PK\x03\x04 not text", "unsupported suffix", r"not a text document")
    add("html/hostile.html", HOSTILE_HTML.encode(), "HTML with scripts, handlers and javascript: links")
    add("unicode/bidi-emoji.txt", UNICODE_TEXT.encode(), "bidi override, ZWJ, emoji, combining marks, controls")
    add("unicode/long-line.txt", _long_line(long_line_bytes).encode(), "a 1 MB single line")
    add(f"names/{HOSTILE_FILE_NAME}", (
        f"Leadership update\n\nRuth Olsen, Director of the Northgate Institute for Social Care, said: "
        f"{IMG_PAYLOAD} is a name here. {SCRIPT_PAYLOAD} direktør.\n").encode(), "file name with markup")
    add(f"names/{QUOTES_FILE_NAME}", QUOTES_TEXT.encode(), "quotes, backslashes and triple quotes")
    add(f"names/{IRI_FILE_NAME}", IRI_TEXT.encode(), "characters illegal in IRIs")

    def links() -> None:
        loop = root / "links" / "loop"
        loop.mkdir(parents=True, exist_ok=True)
        (loop / "inside.txt").write_text("Inside a loop\n\nNothing to see.\n", encoding="utf-8")
        os.symlink(".", loop / "self")  # loop/self -> loop
        os.symlink("b.txt", root / "links" / "a.txt")  # a.txt -> b.txt -> a.txt
        os.symlink("a.txt", root / "links" / "b.txt")
        os.symlink("missing-target.txt", root / "links" / "broken.txt")
        os.mkfifo(root / "links" / "pipe.txt")
        locked = root / "links" / "locked.txt"
        locked.write_text("Locked\n\nA file nobody may read.\n", encoding="utf-8")
        os.chmod(locked, 0)
        (root / "links" / "folder.txt").mkdir()  # a directory named like a document
        (root / "links" / "folder.txt" / "within.txt").write_text("Within\n\nPlain text in a folder named .txt.\n",
                                                                 encoding="utf-8")
        (root / ".hidden.txt").write_text("Hidden Person, Director of the Hidden Institute\n", encoding="utf-8")
    actions.append(links)
    files.update({
        "links/loop/inside.txt": "a file inside a looping folder",
        "links/loop/self": "symlink to its own folder",
        "links/a.txt": "symlink loop a -> b", "links/b.txt": "symlink loop b -> a",
        "links/broken.txt": "broken symlink", "links/pipe.txt": "FIFO", "links/locked.txt": "chmod 000",
        "links/folder.txt": "a directory named .txt", "links/folder.txt/within.txt": "file in it",
        ".hidden.txt": "hidden file (never read)",
    })
    skips.update({"links/loop/self": r"symlink loop", "links/a.txt": r"symlink loop", "links/b.txt": r"symlink loop",
                  "links/broken.txt": r"broken link", "links/pipe.txt": r"not a regular file"})
    documents.extend(["links/loop/inside.txt", "links/folder.txt/within.txt"])
    if os.geteuid() == 0:
        maybe.append("links/locked.txt")  # root reads anything
    else:
        skips["links/locked.txt"] = r"permission denied"

    for action in reversed(actions) if reverse else actions:
        action()

    return {
        "root": str(root),
        "max_bytes": MAX_BYTES,
        "files": files,
        "skips": skips,
        "maybe_skips": maybe,
        "documents": sorted(documents),
        "persons": ["Marjorie Whitfield", "Ingrid Fjeldsø", "Anna Berg", "Søren Kjærgaard", "Åsa Lindström",
                    "Henrik Dahl", "Mette Holm", "Thomas Reed", "José Martínez", "Laura Quinn", "Peter Lund",
                    "Ruth Olsen", "Oliver Grant", "Bente Krogh", "Nina Storm"],
        "organisations": ["Northbridge Institute for Social Welfare", "Socialt Udviklingscenter",
                          "Westfield Institute for Child Welfare", "Harbourside Centre for Family Services",
                          "Southport Institute for Social Care", "Eastgate Institute for Social Care",
                          "Ringsted Institute for Social Work", "Northgate Institute for Social Care",
                          "Longfield Institute for Social Care",
                          f"{IMG_PAYLOAD} working group", "<Back\\slash> & `tick` {x} working group",
                          "#1 <Team> {Øst} |Nord| ^50% `tick` working group", "Alpha#1 Forum%20 Social{x}"],
        "municipalities": ["Malmö stad", "Aarhus Kommune"],
        "memberships": [
            ("Marjorie Whitfield", "Northbridge Institute for Social Welfare"),
            ("Ingrid Fjeldsø", "Socialt Udviklingscenter"),
            ("Anna Berg", "Malmö stad"),
            ("Søren Kjærgaard", "Socialt Udviklingscenter"),
            ("Åsa Lindström", "Malmö stad"),
            ("Henrik Dahl", "Westfield Institute for Child Welfare"),
            ("Mette Holm", "Socialt Udviklingscenter"),
            ("Thomas Reed", "Harbourside Centre for Family Services"),
            ("José Martínez", "Southport Institute for Social Care"),
            ("Laura Quinn", "Eastgate Institute for Social Care"),
            ("Peter Lund", "Ringsted Institute for Social Work"),
            ("Ruth Olsen", "Northgate Institute for Social Care"),
            ("Oliver Grant", "Longfield Institute for Social Care"),
            ("Bente Krogh", "Aarhus Kommune"),
        ],
        # A role title no list holds, with letters outside ASCII: its concept IRI is minted from it.
        "unlisted_titles": ["udsatteområdechef"],
        "absent": ["Scripted Person", "Script Institute", "Styled Person", "Style Institute", "Hidden Person",
                   "Hidden Institute", "Noscript Person", "Noscript Institute", "Svg Person", "Vector Institute",
                   "evil.example"],
        "literals": [IMG_PAYLOAD, SCRIPT_PAYLOAD, HOSTILE_FILE_NAME, QUOTES_FILE_NAME, IRI_FILE_NAME,
                     QUOTES_TITLE.removeprefix("Report: "), QUOTES_ESCAPES, "<Back\\slash> & `tick` {x}",
                     "Harbourside news & <script>alert(1)</script>",
                     "\u202egnirts desrever\u202c"],
    }


def write_undecodable_name(folder: str | os.PathLike) -> Path:
    """A good document whose file name is not UTF-8 (Latin-1 "résumé"), as old archives have."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    path = os.path.join(os.fsencode(root), b"r\xe9sum\xe9.txt")
    with open(path, "wb") as handle:
        handle.write(GOOD_DA.encode())
    return Path(os.fsdecode(path))


def restore_permissions(folder: str | os.PathLike) -> None:
    """Make the chmod 000 file removable again (tmp_path clean-up as a non-root user)."""
    locked = Path(folder) / "links" / "locked.txt"
    if locked.exists() and not locked.is_symlink():
        os.chmod(locked, stat.S_IRUSR | stat.S_IWUSR)


if __name__ == "__main__":  # python tests/hostile_corpus.py DIR: look at it by hand
    import json
    import sys

    print(json.dumps(write_hostile_corpus(sys.argv[1]), indent=2, ensure_ascii=False))
