"""Reading messy corpora: encodings, binaries, markup, odd files and directory walks.

Inputs are generated in tmp_path, so the repository holds no odd files.
"""
import hashlib
import itertools
import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import read
from graph.read import collect, decode, read_bytes, read_file
from graph.records import Document, Skip

DANISH = "Kære Søren Ærø,\n“Velkommen” til mødet på Åbenrå Rådhus – også for Børne- og familiechefen.\n"
SWEDISH = "Hälsningar från Göteborg och Malmö.\nÄven Örebro kommun deltar i nätverket.\n"


def write(directory, name, data):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# ---------------------------------------------------------------- encodings


def test_cp1252_danish_file_keeps_its_letters_and_smart_quotes(tmp_path):
    document = read_file(write(tmp_path, "invitation.txt", DANISH.encode("cp1252")))
    assert isinstance(document, Document)
    assert document.text == DANISH.strip()
    assert document.encoding == "cp1252"


@pytest.mark.parametrize(
    "text", ["Kære Søren, på gensyn i Århus.", "Blåbærgrød", "Æble og øl", "Mødet er aflyst – “vi ses” næste år."]
)
def test_short_danish_in_cp1252_is_not_read_as_another_code_page(text):
    # charset-normalizer on its own reads these as cp1250 ("Kćre Sřren") or Big5
    assert decode(text.encode("cp1252")) == (text, "cp1252")


def test_latin1_swedish_file(tmp_path):
    document = read_file(write(tmp_path, "nyhet.txt", SWEDISH.encode("latin-1")))
    assert document.text == SWEDISH.strip()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_decoded_with_or_without_bom(tmp_path, codec):
    raw = ("\ufeff" + DANISH).encode(codec) if codec != "utf-16" else DANISH.encode(codec)
    document = read_file(write(tmp_path, "note.txt", raw))
    assert document.text == DANISH.strip()
    assert document.encoding.startswith("utf-16")


def test_utf16_le_without_bom_is_recognised_by_its_nul_pattern():
    assert decode(SWEDISH.encode("utf-16-le")) == (SWEDISH, "utf-16-le")


def test_utf8_bom_is_stripped(tmp_path):
    document = read_file(write(tmp_path, "note.txt", b"\xef\xbb\xbf" + DANISH.encode("utf-8")))
    assert document.text == DANISH.strip()
    assert not document.text.startswith("\ufeff")
    assert document.encoding == "utf-8-sig"


def test_polish_in_cp1250_is_not_forced_into_cp1252():
    text = "Budżet gminy został przyjęty. Łódź, Kraków i Gdańsk — zażółć gęślą jaźń."
    assert decode(text.encode("cp1250")) == (text, "cp1250")


def test_old_mac_danish_is_recognised():
    text = "Kære Søren, på gensyn i Århus. Blåbærgrød med fløde."
    assert decode(text.encode("mac_roman"))[0] == text


def test_utf8_file_with_a_pasted_cp1252_line_keeps_both():
    raw = "Første afsnit er skrevet i UTF-8: æøå ÆØÅ.\n".encode() + "Andet afsnit kom fra Word: “citat”.".encode("cp1252")
    text, encoding = decode(raw)
    assert text == "Første afsnit er skrevet i UTF-8: æøå ÆØÅ.\nAndet afsnit kom fra Word: “citat”."
    assert encoding == "utf-8"


@given(st.binary(max_size=2000))
@settings(max_examples=300)
def test_decode_never_raises(raw):
    text, encoding = decode(raw)
    assert isinstance(text, str) and encoding


@given(st.text(st.characters(exclude_categories=("Cc", "Cs"))).filter(lambda text: not text.startswith("\ufeff")))
def test_decode_round_trips_utf8(text):
    assert decode(text.encode("utf-8")) == (text, "utf-8")


# ---------------------------------------------------------------- refused files


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"GIF89a\x01\x00\x01\x00", "GIF"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
    ],
)
def test_binary_renamed_txt_is_skipped_naming_its_kind(tmp_path, data, kind):
    path = write(tmp_path, "report.txt", data)
    skip = read_file(path)
    assert isinstance(skip, Skip)
    assert kind in skip.reason and "binary" in skip.reason
    assert skip.path == str(path)


def test_nul_bytes_mean_binary(tmp_path):
    skip = read_file(write(tmp_path, "data.txt", b"header\x00\x01\x02\x00\xff\xfe\x00\x00\x00\x07trailer"))
    assert skip.reason == "binary file (NUL bytes), not text"


def test_control_characters_mean_binary(tmp_path):
    skip = read_file(write(tmp_path, "data.txt", bytes(range(1, 32)) * 20 + b"some text"))
    assert skip.reason == "binary file (control characters), not text"


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  ", "\ufeff  \n".encode("utf-16")])
def test_empty_or_blank_file_is_skipped(tmp_path, data):
    assert read_file(write(tmp_path, "empty.txt", data)).reason == "empty file"


def test_oversize_file_is_skipped_with_the_limit(tmp_path):
    skip = read_file(write(tmp_path, "big.txt", b"x" * 250), max_bytes=100)
    assert skip.reason == "larger than the 100 bytes limit (250 bytes)"


def test_oversize_file_is_never_opened(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(25_000_000)  # sparse: no disk used

    def refuse(*args, **kwargs):
        raise AssertionError("an oversize file must not be opened")

    monkeypatch.setattr(read, "open", refuse, raising=False)
    assert read_file(path).reason == "larger than the 20 MB limit (25 MB)"


def test_directory_fifo_missing_and_unreadable_paths_are_skips(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert read_file(tmp_path).reason == "is a directory"
    assert read_file(fifo).reason == "not a regular file"  # and does not block
    assert read_file(tmp_path / "gone.txt").reason == "file not found"

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    locked = write(tmp_path, "locked.txt", "secret")
    monkeypatch.setattr(read, "open", denied, raising=False)  # chmod does not stop root
    assert read_file(locked).reason == "permission denied"


@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.html", "x.md", "x"]))
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_give_a_document_or_a_skip(tmp_path, raw, name):
    result = read_file(write(tmp_path, name, raw))
    assert isinstance(result, (Document, Skip))
    if isinstance(result, Document):
        text = result.text
        assert text and text == text.strip("\n").rstrip()
        assert "\r" not in text and unicodedata.is_normalized("NFC", text)
        assert all(line == line.rstrip() for line in text.split("\n"))


# ---------------------------------------------------------------- documents


def test_document_records_identity_hash_and_type(tmp_path):
    raw = DANISH.encode("utf-8")
    path = write(tmp_path, "003_65bd54b2553ef881.txt", raw)
    document = read_file(path)
    assert document.identifier == "003_65bd54b2553ef881.txt"
    assert document.path == str(path)
    assert document.content_hash == hashlib.sha256(raw).hexdigest()
    assert (document.media_type, document.encoding) == ("text/plain", "utf-8")
    assert read_file(path, identifier="invitation").identifier == "invitation"


def test_text_is_normalised_but_keeps_its_lines():
    raw = "Titel  \r\n\r\nNavn:\tAnne Hansen\rTitel: Direktør\x07   \n\n\nslut\u00a0\n\n\n".encode()
    raw += "Cafe\u0301".encode()  # decomposed é
    document = read_bytes(raw, identifier="x")
    assert document.text == "Titel\n\nNavn:\tAnne Hansen\nTitel: Direktør\n\n\nslut\n\n\nCafé"


HTML = """<!DOCTYPE html>
<html lang="da">
<head>
  <title>Ny rapport om &aelig;ldrepleje</title>
  <style>p { color: red }</style>
  <script>alert(1)</script>
</head>
<body>
  <script>alert(2)</script>
  <nav><ul><li><a href="/">Forside</a></li><li>Nyheder</li></ul></nav>
  <h1>Ny rapport om ældrepleje</h1>
  <p>Første   afsnit
     med <b>fed</b> tekst &amp; et link.<br>Ny linje i samme afsnit.</p>
  <div hidden>skjult tekst</div>
  <p style="display: none">også skjult</p>
  <noscript>Slå JavaScript til</noscript>
  <template><p>skabelon</p></template>
  <svg><text>grafik</text></svg>
  <table>
    <tr><th>Navn</th><th>Titel</th></tr>
    <tr><td>Anne Hansen</td><td>Direktør</td></tr>
  </table>
  <footer>Kontakt: presse@example.dk</footer>
</body>
</html>
"""


def test_html_yields_only_visible_text_title_first_lines_kept(tmp_path):
    document = read_file(write(tmp_path, "rapport.html", HTML))
    assert document.media_type == "text/html"
    assert document.text == (
        "Ny rapport om ældrepleje\n"
        "\n"
        "- Forside\n"
        "- Nyheder\n"
        "\n"
        "Ny rapport om ældrepleje\n"
        "\n"
        "Første afsnit med fed tekst & et link.\n"
        "Ny linje i samme afsnit.\n"
        "\n"
        "Navn  Titel\n"
        "Anne Hansen  Direktør\n"
        "\n"
        "Kontakt: presse@example.dk"
    )


def test_html_title_is_not_repeated_when_the_body_starts_with_it():
    html = "<html><head><title>Debatmøde</title></head><body><h1>Debatmøde</h1><p>Om styring.</p></body></html>"
    assert read_bytes(html.encode(), identifier="x", suffix=".htm").text == "Debatmøde\n\nOm styring."


def test_html_without_title_takes_its_first_h1():
    html = "<html><body><p>Skip to main content</p><h1>Leadership</h1><p>Text.</p></body></html>"
    assert read_bytes(html.encode(), identifier="x", suffix=".html").text.split("\n")[0] == "Leadership"


def test_html_is_recognised_by_content_in_a_txt_file(tmp_path):
    document = read_file(write(tmp_path, "saved.txt", "<!-- saved -->\n<!doctype html><p>Hej <i>verden</i></p>"))
    assert (document.media_type, document.text) == ("text/html", "Hej verden")


def test_html_with_nothing_visible_is_skipped():
    skip = read_bytes(b"<html><head><script>x()</script></head><body></body></html>", identifier="x", suffix=".html")
    assert skip.reason == "no visible text"


MARKDOWN = """# Leadership *in* social services #

Good **leadership** and _management_ matter; see [the report](https://example.org/r.pdf)
![cover](cover.png)and the file_name_here stays.

* first point
+ second point
  - nested point

```
code *stays* as [text](x)
```

> quoted line

| Name | Title |
|------|-------|
| Anne | Director |

Programme
=========
\\*not emphasis\\* and `inline code`

[ref]: https://example.org
"""


def test_markdown_is_reduced_to_text_lines(tmp_path):
    document = read_file(write(tmp_path, "note.md", MARKDOWN))
    assert document.media_type == "text/markdown"
    assert document.text == (
        "Leadership in social services\n"
        "\n"
        "Good leadership and management matter; see the report\n"
        "and the file_name_here stays.\n"
        "\n"
        "- first point\n"
        "- second point\n"
        "  - nested point\n"
        "\n"
        "code *stays* as [text](x)\n"
        "\n"
        "quoted line\n"
        "\n"
        "Name  Title\n"
        "Anne  Director\n"
        "\n"
        "Programme\n"
        "\n"
        "*not emphasis* and inline code"
    )


# ---------------------------------------------------------------- collecting


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    write(root, "news/001.txt", "Første nyhed om kommunen.")
    write(root, "news/002.html", "<p>Anden nyhed.</p>")
    write(root, "programmes/event.md", "# Program\n\nKl. 10 velkomst.")
    write(root, "README", "Om korpusset.")
    write(root, "scan.pdf", b"%PDF-1.4 ...")
    write(root, ".hidden.txt", "skjult")
    write(root, ".git/config", "[core]")
    write(root, "__pycache__/x.txt", "cache")
    write(root, "draft.txt~", "backup")
    return root


def test_collect_walks_directories_taking_text_documents_only(corpus):
    documents, skips = collect([corpus])
    assert [document.identifier for document in documents] == ["001.txt", "002.html", "README", "event.md"]
    assert skips == [Skip(str(corpus / "scan.pdf"), "not a text document (.pdf)")]


def test_a_file_named_explicitly_is_always_tried(corpus):
    documents, skips = collect([corpus / "scan.pdf", corpus / ".hidden.txt"])
    assert [document.identifier for document in documents] == [".hidden.txt"]
    assert skips == [Skip(str(corpus / "scan.pdf"), "binary file (PDF), not text")]


def test_suffixes_can_be_chosen(corpus):
    documents, _ = collect([corpus], suffixes=[".MD"])
    assert [document.identifier for document in documents] == ["event.md"]


def test_symlink_loop_is_reported_and_does_not_hang(corpus):
    os.symlink("..", corpus / "news" / "up")
    os.symlink(".", corpus / "self")
    os.symlink(corpus / "missing.txt", corpus / "dangling.txt")
    os.symlink("ping.txt", corpus / "pong.txt")
    os.symlink("pong.txt", corpus / "ping.txt")
    documents, skips = collect([corpus])
    assert len(documents) == 4
    assert set(skips) >= {
        Skip(str(corpus / "news" / "up"), "symlink loop"),
        Skip(str(corpus / "self"), "symlink loop"),
        Skip(str(corpus / "dangling.txt"), "broken link"),
        Skip(str(corpus / "ping.txt"), "symlink loop"),
        Skip(str(corpus / "pong.txt"), "symlink loop"),
    }


def test_the_same_real_file_is_read_once(corpus, tmp_path):
    os.symlink(corpus / "news", tmp_path / "news-link")
    os.symlink(corpus / "README", corpus / "news" / "readme-link.txt")
    documents, _ = collect([corpus, corpus / "README", tmp_path / "news-link", corpus / "news" / "001.txt"])
    identifiers = [document.identifier for document in documents]
    assert identifiers == ["001.txt", "002.html", "README", "event.md"]


def test_files_sharing_a_name_get_paths_from_the_common_parent(tmp_path):
    write(tmp_path, "dk/2024/nyhed.txt", "Dansk nyhed.")
    write(tmp_path, "se/nyhed.txt", "Svensk nyhet.")
    write(tmp_path, "se/other.txt", "Annan.")
    documents, _ = collect([tmp_path / "se", tmp_path / "dk"])
    assert [document.identifier for document in documents] == ["dk/2024/nyhed.txt", "other.txt", "se/nyhed.txt"]


def test_collect_does_not_depend_on_input_order(corpus, tmp_path):
    write(tmp_path, "loose/001.txt", "Same name, other file.")
    os.symlink("..", corpus / "news" / "up")
    inputs = [corpus / "news", corpus, tmp_path / "loose" / "001.txt", str(corpus / "README")]
    results = {repr(collect(order)) for order in itertools.permutations(inputs)}
    assert len(results) == 1


def test_a_file_vanishing_between_listing_and_reading_is_a_skip(corpus, monkeypatch):
    vanishing = corpus / "news" / "001.txt"
    read_for_real = read.read_file

    def vanish_then_read(path, **options):
        if path == str(vanishing):
            os.remove(path)
        return read_for_real(path, **options)

    monkeypatch.setattr(read, "read_file", vanish_then_read)
    documents, skips = collect([corpus])
    assert "001.txt" not in [document.identifier for document in documents]
    assert Skip(str(vanishing), "file not found") in skips
