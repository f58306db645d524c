"""Reading stage: files on disk -> Documents of plain text with their line breaks kept.

Users' corpora are messy (old code pages, BOMs, PDFs renamed .txt, HTML
exports, files that vanish mid-build), so nothing here raises for a bad
file: it becomes a Skip with a reason the CLI can report.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import PurePath

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .records import Document, Skip

DEFAULT_MAX_BYTES = 20_000_000

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text", "", *HTML_SUFFIXES, *MARKDOWN_SUFFIXES})
JUNK_NAMES = frozenset({"__pycache__", "__MACOSX", "node_modules", "Thumbs.db", "desktop.ini"})

# ---------------------------------------------------------------- decoding

_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Code pages worth considering when a file is neither UTF-8 nor plausible cp1252:
# Central European (Polish), Western with euro, old Mac, Cyrillic.
_LEGACY_CODE_PAGES = ("cp1252", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp1251")

_WESTERN_SAMPLE = 200_000  # characters; mojibake shows throughout a file, so the opening tells

# Non-ASCII characters that legitimately sit inside Western words.
_WORD_INNER_PUNCTUATION = frozenset("’‘·–—")

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_UTF8_INVALID = re.compile(r"[\udc80-\udcff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of raw bytes; never raises.

    Order: byte-order marks, BOM-less UTF-16 (NUL pattern), strict UTF-8,
    mostly-UTF-8 with stray cp1252 bytes, cp1252 when the result reads like
    Western text, and only then charset-normalizer among a few code pages.
    cp1252 is tried before charset-normalizer because the latter often
    calls short Danish text cp1250 ("Kćre Sřren") or even Big5.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(codec.removesuffix("-sig"), errors="replace"), codec
    codec = _bomless_utf16(raw)
    if codec:
        return raw.decode(codec, errors="replace"), codec
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(raw):
        return _decode_utf8_repairing_cp1252(raw), "utf-8"
    western = raw.decode("cp1252", errors="replace")
    if _reads_as_western(western[:_WESTERN_SAMPLE]):
        return western, "cp1252"
    guess = from_bytes(raw, cp_isolation=list(_LEGACY_CODE_PAGES)).best()
    if guess is not None:
        return str(guess), guess.encoding
    return western, "cp1252"


def _bomless_utf16(raw: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when NULs fill one byte of most pairs, as in UTF-16 Latin text."""
    sample = raw[:4096]
    pairs = len(sample) // 2
    if pairs == 0:
        return None
    even_nuls = sample[0 : 2 * pairs : 2].count(0)
    odd_nuls = sample[1 : 2 * pairs : 2].count(0)
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(raw: bytes) -> bool:
    """True for UTF-8 text with a few foreign bytes, e.g. a cp1252 paragraph pasted in."""
    valid = len(_UTF8_MULTIBYTE.findall(raw))
    if not valid:  # the usual single-byte file: skip counting its invalid bytes
        return False
    invalid = len(_UTF8_INVALID.findall(raw.decode("utf-8", errors="surrogateescape")))
    return valid > invalid


def _decode_utf8_repairing_cp1252(raw: bytes) -> str:
    """UTF-8, reading each byte that is not valid UTF-8 as cp1252."""
    text = raw.decode("utf-8", errors="surrogateescape")
    return _UTF8_INVALID.sub(
        lambda match: bytes([ord(match.group()) - 0xDC00]).decode("cp1252", errors="replace"), text
    )


def _reads_as_western(text: str) -> bool:
    """Whether a cp1252 reading looks like Western European prose rather than mojibake.

    Another code page read as cp1252 shows symbols inside words ("mo¿e" for
    Polish "może", "K¾re" for Mac "Kære"), capitals after small letters
    ("pŒ" for Mac "på"), bytes cp1252 leaves undefined, or, for Cyrillic,
    mostly accented letters. One oddity is tolerated: a stray symbol must
    not send a Danish file to charset-normalizer, which would misread it.
    """
    non_ascii_letters = odd = 0
    for match in _NON_ASCII.finditer(text):
        character, index = match.group(), match.start()
        previous = text[index - 1] if index else " "
        following = text[index + 1 : index + 2] or " "
        if character.isalpha():
            non_ascii_letters += 1
            odd += character.isupper() and previous.islower()
        elif character == "\ufffd":
            odd += 1
        elif character not in _WORD_INNER_PUNCTUATION:
            odd += previous.isalpha() and following.isalpha()
    if len(text) >= 20 and non_ascii_letters > 0.3 * len(text):
        return False
    return odd <= max(1, 0.02 * non_ascii_letters)


# ---------------------------------------------------------------- sniffing

_MAGIC_NUMBERS = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"PK\x05\x06", "ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x7fELF", "ELF executable"),
    (b"\x1f\x8b", "gzip archive"),
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_MAX_CONTROL_SHARE = 0.05


def binary_kind(raw: bytes) -> str | None:
    """What kind of binary file the bytes are, or None when they may be text."""
    opening = raw[:64].lstrip(b" \t\r\n")
    for magic, kind in _MAGIC_NUMBERS:
        if opening.startswith(magic):
            return kind
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        if _bomless_utf16(raw) is None:
            return "NUL bytes"
    return None


def _mostly_control_characters(text: str) -> bool:
    """Binary that survived decoding shows up as a high share of control characters."""
    sample = text[:65536]
    return len(_CONTROL_CHARACTERS.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _looks_like_html(text: str) -> bool:
    opening = text[:1024].lstrip().lower()
    if opening.startswith("<?xml"):
        opening = opening.partition("?>")[2].lstrip()
    while opening.startswith("<!--"):
        opening = opening.partition("-->")[2].lstrip()
    return opening.startswith(("<!doctype html", "<html"))


# ---------------------------------------------------------------- normalisation

_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\x85\u2028\u2029]")  # form feeds are page breaks
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\ufeff]")
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def normalise(text: str) -> str:
    """NFC text with LF line breaks, no control characters but tabs, no trailing spaces.

    Line and blank-line structure is kept: later rules rely on it for
    contact blocks, bylines and lists. Tabs are kept as they are.
    No-break and other odd spaces become plain spaces so word rules match.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


# ---------------------------------------------------------------- HTML

_INVISIBLE_ELEMENTS = frozenset(
    {"head", "title", "script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "select"}
)
_PARAGRAPH_ELEMENTS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl",
     "hr", "figure", "section", "article", "header", "footer", "nav", "main", "aside",
     "address", "form"}
)
_LINE_ELEMENTS = frozenset(
    {"div", "li", "tr", "dt", "dd", "caption", "figcaption", "details", "summary",
     "fieldset", "legend"}
)
_CELL_ELEMENTS = frozenset({"td", "th"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+")


class _LineWriter:
    """Collects visible text into lines, as a browser would lay out blocks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current = ""
        self.pending_breaks = 0  # 1: new line, 2: blank line, before the next text
        self.pending_gap = False  # a table cell ended: two spaces before the next text
        self.prefix = ""  # a list item started: "- " before its first text

    def text(self, text: str, *, preformatted: bool = False) -> None:
        if not preformatted:
            text = _HTML_WHITESPACE.sub(" ", text)
            if self.pending_breaks or self.pending_gap or not self.current or self.current.endswith(" "):
                text = text.lstrip(" ")
            if not text:
                return
        first, *more = text.split("\n")
        self._append(first)
        for line in more:
            self._end_line()
            self._append(line)

    def block(self, breaks: int) -> None:
        self.pending_breaks = max(self.pending_breaks, breaks)

    def line_break(self) -> None:
        self._resolve_breaks()
        self._end_line()

    def cell_end(self) -> None:
        self.pending_gap = True

    def list_item(self) -> None:
        self.block(1)
        self.prefix = "- "

    def result(self) -> str:
        return "\n".join([*self.lines, self.current])

    def _append(self, text: str) -> None:
        if not text:
            return
        self._resolve_breaks()
        if self.pending_gap and self.current.strip():
            self.current = self.current.rstrip() + "  "
        self.pending_gap = False
        if self.prefix:
            self.current += self.prefix
            self.prefix = ""
        self.current += text

    def _resolve_breaks(self) -> None:
        if not self.pending_breaks:
            return
        breaks, self.pending_breaks = self.pending_breaks, 0
        if not self.lines and not self.current.strip():
            return  # nothing written yet: no leading blank lines
        if self.current.strip():
            self._end_line()
        if breaks == 2 and self.lines[-1]:
            self.lines.append("")

    def _end_line(self) -> None:
        self.lines.append(self.current.rstrip())
        self.current = ""
        self.pending_gap = False


def _is_hidden(node: LexborNode) -> bool:
    attributes = node.attributes
    return "hidden" in attributes or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, blocks on their own lines, title first."""
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = _HTML_WHITESPACE.sub(" ", title_node.text(deep=True)).strip() if title_node else ""
    writer = _LineWriter()
    preformatted = 0
    stack: list[tuple[LexborNode, bool]] = [(tree.body or tree.root, True)]  # no body: a frameset
    while stack:
        node, entering = stack.pop()
        tag = node.tag
        if not entering:
            if tag in _PARAGRAPH_ELEMENTS:
                writer.block(2)
            elif tag in _LINE_ELEMENTS:
                writer.block(1)
            elif tag in _CELL_ELEMENTS:
                writer.cell_end()
            if tag == "pre":
                preformatted -= 1
            continue
        if tag == "-text":
            writer.text(node.text_content or "", preformatted=preformatted > 0)
            continue
        if tag in _INVISIBLE_ELEMENTS or tag.startswith("-") or _is_hidden(node):
            continue  # comments, doctype and elements nobody sees
        if tag == "br":
            writer.line_break()
            continue
        if tag == "li":
            writer.list_item()
        elif tag in _PARAGRAPH_ELEMENTS:
            writer.block(2)
        elif tag in _LINE_ELEMENTS:
            writer.block(1)
        if tag == "pre":
            preformatted += 1
        stack.append((node, False))
        stack.extend((child, True) for child in reversed(list(node.iter(include_text=True))))
    text = normalise(writer.result())
    heading = title or _first_h1(tree)
    if heading and text.split("\n", 1)[0].strip() != heading:
        text = f"{heading}\n\n{text}" if text else heading
    return text


def _first_h1(tree: LexborHTMLParser) -> str:
    node = tree.css_first("body h1")
    return _HTML_WHITESPACE.sub(" ", node.text(deep=True)).strip() if node else ""


# ---------------------------------------------------------------- Markdown

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
_RULE_OR_UNDERLINE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$|^\s{0,3}=+\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_BULLET = re.compile(r"^(\s*)[*+-]\s+")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Spans are capped at 400 characters: an opener that never closes would otherwise make each
# rule rescan the rest of the line from every opener (quadratic on a long line).
_INLINE_RULES = (
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images
    (re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),  # links
    (re.compile(r"<((?:https?|mailto):[^>\s]+|[^>\s@]+@[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"</?[A-Za-z][^>\n]*>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.{1,400}?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)(.{1,400}?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<!\w)_(?=\S)(.{1,400}?)(?<=\S)_(?!\w)"), r"\1"),  # emphasis, not snake_case
    (re.compile(r"~~(.{1,400}?)~~"), r"\1"),  # strike-through
)
_PROTECTED = 0xE000  # escaped characters are parked in the private-use area meanwhile
_UNPROTECT = {_PROTECTED + code: code for code in range(128)}


def markdown_to_text(markdown: str) -> str:
    """Markdown reduced to its text, line by line: no #, emphasis, link targets or images.

    Code blocks are kept verbatim without their fences; list bullets become "- ";
    table rows become cells separated by two spaces, as HTML tables do.
    """
    lines: list[str] = []
    fence = ""
    for line in markdown.splitlines():
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1).startswith(fence)):
            fence = "" if fence else marker.group(1)[:3]
            continue
        if fence:
            lines.append(line)
        elif _LINK_DEFINITION.match(line) or ("|" in line and _TABLE_SEPARATOR.match(line)):
            continue
        elif _RULE_OR_UNDERLINE.match(line):
            lines.append("")
        else:
            lines.append(_markdown_line(line))
    return "\n".join(lines)


def _markdown_line(line: str) -> str:
    line = _ESCAPED.sub(lambda match: chr(_PROTECTED + ord(match.group(1))), line)
    line = _HEADING.sub(r"\1", line)
    line = _QUOTE.sub("", line)
    line = _BULLET.sub(r"\1- ", line)
    if line.lstrip().startswith("|"):
        line = "  ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    for pattern, replacement in _INLINE_RULES:
        line = pattern.sub(replacement, line)
    return line.translate(_UNPROTECT)


# ---------------------------------------------------------------- documents


def read_bytes(raw: bytes, *, identifier: str, path: str = "", suffix: str = "") -> Document | Skip:
    """A Document from a file's bytes, or a Skip saying why they are not a text document.

    `suffix` (".html", ".md", ...) chooses the markup; HTML is also recognised by content.
    """
    if not raw.strip():
        return Skip(path, "empty file")
    kind = binary_kind(raw)
    if kind:
        return Skip(path, f"binary file ({kind}), not text")
    text, encoding = decode(raw)
    if _mostly_control_characters(text):
        return Skip(path, "binary file (control characters), not text")
    suffix = suffix.lower()
    if suffix in HTML_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and _looks_like_html(text)):
        media_type, text = "text/html", html_to_text(text)
    elif suffix in MARKDOWN_SUFFIXES:
        media_type, text = "text/markdown", normalise(markdown_to_text(text))
    else:
        media_type, text = "text/plain", normalise(text)
    if not text:
        return Skip(path, "empty file" if media_type == "text/plain" else "no visible text")
    return Document(
        identifier=identifier,
        text=text,
        path=path,
        content_hash=hashlib.sha256(raw).hexdigest(),
        media_type=media_type,
        encoding=encoding,
    )


def read_file(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, identifier: str | None = None
) -> Document | Skip:
    """Read one file into a Document; any I/O problem becomes a Skip.

    Checks the size before reading, so an oversize file is never loaded,
    and refuses FIFOs and devices, which would block or never end.
    """
    path = os.fspath(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return Skip(path, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            return Skip(path, "not a regular file")
        if info.st_size > max_bytes:
            return Skip(path, _too_large(max_bytes, info.st_size))
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        return Skip(path, _io_problem(path, error))
    if len(raw) > max_bytes:  # grew after the size check
        return Skip(path, _too_large(max_bytes, len(raw)))
    return read_bytes(
        raw,
        identifier=identifier or os.path.basename(path),
        path=path,
        suffix=os.path.splitext(path)[1],
    )


def _too_large(limit: int, size: int) -> str:
    return f"larger than the {_human_size(limit)} limit ({_human_size(size)})"


def _human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    scaled, unit = size / 1000, "kB"
    for larger in ("MB", "GB"):
        if scaled < 1000:
            break
        scaled, unit = scaled / 1000, larger
    return f"{scaled:.1f}".removesuffix(".0") + f" {unit}"


def _io_problem(path: str, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if isinstance(error, FileNotFoundError):
        return "broken link" if os.path.islink(path) else "file not found"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return f"cannot read ({error.strerror or error})"


# ---------------------------------------------------------------- corpora


def collect(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    suffixes: Iterable[str] | None = None,
    read: Callable[..., Document | Skip] | None = None,
) -> tuple[list[Document], list[Skip]]:
    """Read every text document under the given files and directories.

    Directories are walked recursively in sorted order, skipping hidden and
    junk entries and files whose suffix is not a text suffix; files named
    explicitly are always tried. A real file reached twice is read once.
    Both lists come sorted, so the result does not depend on input order.
    `read` reads one file (read_file's signature): a rebuild passes one that
    skips the files the previous build read, so which files are taken and how
    they are named stays this function's alone.
    """
    read = read or read_file
    accepted = TEXT_SUFFIXES if suffixes is None else frozenset(suffix.lower() for suffix in suffixes)
    inputs = sorted({os.path.normpath(os.fspath(path)) for path in paths})
    files: list[str] = []
    skips: list[Skip] = []
    for path in inputs:
        if os.path.isdir(path):
            found, problems = _walk(path, accepted)
            files.extend(found)
            skips.extend(problems)
        else:
            files.append(path)
    by_real_path: dict[str, str] = {}
    for path in files:
        by_real_path.setdefault(os.path.realpath(path), path)
    unique = list(by_real_path.values())
    documents: list[Document] = []
    for path, identifier in _identifiers(unique, inputs).items():
        result = read(path, max_bytes=max_bytes, identifier=identifier)
        if isinstance(result, Skip):
            skips.append(result)
        else:
            documents.append(result)
    documents.sort(key=lambda document: (document.identifier, document.path))
    skips.sort(key=lambda skip: (skip.path, skip.reason))
    return documents, skips


def _walk(top: str, accepted: frozenset[str]) -> tuple[list[str], list[Skip]]:
    """Files under `top` worth reading, and the entries refused on the way.

    Directories are tracked by real path: one that is its own ancestor is a
    symlink loop; one already seen through another link is not walked again.
    """
    files: list[str] = []
    skips: list[Skip] = []
    seen: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(top, frozenset())]
    while pending:
        directory, ancestors = pending.pop()
        real = os.path.realpath(directory)
        if real in ancestors:
            skips.append(Skip(directory, "symlink loop"))
            continue
        if real in seen:
            continue
        seen.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            skips.append(Skip(directory, _io_problem(directory, error)))
            continue
        subdirectories: list[str] = []
        for entry in entries:
            if _is_junk(entry.name):
                continue
            try:
                if entry.is_dir():
                    subdirectories.append(entry.path)
                elif entry.is_file():
                    suffix = os.path.splitext(entry.name)[1].lower()
                    if suffix in accepted:
                        files.append(entry.path)
                    else:
                        skips.append(Skip(entry.path, f"not a text document ({suffix})"))
                else:
                    os.stat(entry.path)  # broken links and link loops raise here
                    skips.append(Skip(entry.path, "not a regular file"))
            except OSError as error:
                skips.append(Skip(entry.path, _io_problem(entry.path, error)))
        pending.extend((path, ancestors | {real}) for path in reversed(subdirectories))
    return files, skips


def _is_junk(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or name in JUNK_NAMES


def _identifiers(paths: list[str], inputs: list[str]) -> dict[str, str]:
    """File names as identifiers; files sharing a name get their path from the inputs' common parent."""
    names = Counter(os.path.basename(path) for path in paths)
    base = os.path.commonpath([os.path.abspath(path) for path in inputs]) if inputs else ""
    if base and not os.path.isdir(base):
        base = os.path.dirname(base)
    return {
        path: (
            PurePath(os.path.relpath(os.path.abspath(path), base)).as_posix()
            if names[os.path.basename(path)] > 1
            else os.path.basename(path)
        )
        for path in paths
    }
