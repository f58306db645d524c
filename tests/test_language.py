"""Language detection on short, realistic news and programme texts."""
import socket
from pathlib import Path

import pytest
from py3langid.langid import MODEL_DIR, MODEL_FILE

from graph import language
from graph.language import detect_language

SAMPLES = {
    "en": (
        "The council has decided to close two schools in the north of the county. "
        "Parents are unhappy and plan to complain to the minister. "
        "A final decision is expected next month."
    ),
    "da": (
        "Kommunen har besluttet at lukke to skoler i det nordlige Jylland. "
        "Forældrene er utilfredse og vil klage til ministeren. "
        "Byrådet mødes igen i næste uge."
    ),
    "no": (
        "Kommunen har besluttet å legge ned to skoler i Nord-Norge. "
        "Foreldrene er misfornøyde og vil klage til statsråden. "
        "Kommunestyret møtes igjen neste uke."
    ),
    "sv": (
        "Regeringen har beslutat att öka anslaget till socialtjänsten. "
        "Kommunerna får mer pengar för att stödja barn och unga i utsatta områden. "
        "Beslutet gäller från och med nästa år."
    ),
    "de": (
        "Die Stadt hat beschlossen, zwei Schulen im Norden zu schließen. "
        "Die Eltern sind unzufrieden und wollen sich beim Minister beschweren. "
        "Eine endgültige Entscheidung wird im nächsten Monat erwartet."
    ),
    "fr": (
        "La conférence aura lieu à Paris le 12 mars. "
        "Les inscriptions sont ouvertes jusqu'au 1er mars sur le site de l'association."
    ),
}

# The same message in Danish and in Norwegian Bokmål: the pairs that matter.
DANISH_NORWEGIAN = [
    (
        "Vi glæder os til at se jer til konferencen om børn og unges trivsel. "
        "Tilmelding sker via hjemmesiden senest fredag.",
        "Vi gleder oss til å se dere på konferansen om barn og unges trivsel. "
        "Påmelding skjer via nettsiden senest fredag.",
    ),
    (
        "Rapporten viser, at flere ældre bliver ensomme. Socialrådgiverne efterlyser mere hjælp fra staten.",
        "Rapporten viser at flere eldre blir ensomme. Sosialarbeiderne etterlyser mer hjelp fra staten.",
    ),
    (
        "Organisationen holder generalforsamling på lørdag. Alle medlemmer er velkomne.",
        "Organisasjonen holder årsmøte på lørdag. Alle medlemmer er velkomne.",
    ),
    (
        "Borgmesteren vil ikke kommentere sagen, før byrådet har behandlet den.",
        "Ordføreren vil ikke kommentere saken før kommunestyret har behandlet den.",
    ),
    (
        "Jeg har ikke tid i dag, men måske på fredag.",
        "Jeg har ikke tid i dag, men kanskje på fredag.",
    ),
]


@pytest.mark.parametrize("expected", sorted(SAMPLES))
def test_each_corpus_language_is_recognised(expected):
    assert detect_language(SAMPLES[expected]) == expected


@pytest.mark.parametrize(("danish", "norwegian"), DANISH_NORWEGIAN)
def test_danish_and_norwegian_are_told_apart(danish, norwegian):
    assert detect_language(danish) == "da"
    assert detect_language(norwegian) == "no"


def test_nynorsk_is_reported_as_norwegian():
    text = "Kommunestyret har vedteke ein ny plan for heimetenesta. Planen tek til å gjelde frå 1. januar."
    assert detect_language(text) == "no"


def test_swedish_close_to_norwegian_stays_swedish():
    assert detect_language("Jag har inte tid idag, men kanske på fredag. Vi hörs nästa vecka.") == "sv"


@pytest.mark.parametrize("text", ["", "Hej", "Tak for sidst!", "Mødet aflyst", "12.03.2024 kl. 10:00-12:00"])
def test_too_short_to_tell_is_undetermined(text):
    assert detect_language(text) == "und"


def test_links_and_addresses_do_not_make_a_text_english():
    text = (
        "Læs hele rapporten på https://www.example.com/reports/2024/leadership-and-management "
        "eller skriv til info@example.com"
    )
    assert detect_language(text) == "da"


def test_headline_in_capitals_is_recognised():
    assert detect_language("KOMMUNEN LUKKER TO SKOLER I NÆSTE UGE OG FORÆLDRENE ER UTILFREDSE") == "da"


def test_detection_is_deterministic():
    results = {detect_language(SAMPLES["da"]) for _ in range(5)}
    assert results == {"da"}


def test_model_ships_with_the_package_and_loads_offline(monkeypatch):
    assert (Path(MODEL_DIR) / MODEL_FILE).is_file()

    def no_network(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    language._identifier.cache_clear()
    assert detect_language(SAMPLES["sv"]) == "sv"


def test_the_unpacked_model_is_kept_in_the_cache_folder_and_read_back(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language._identifier.cache_clear()
    assert detect_language(SAMPLES["da"]) == "da"
    kept = list((tmp_path / "kg").glob("langid-*.pickle"))
    assert len(kept) == 1

    unpacked = []
    real = language.LanguageIdentifier.from_model_file
    monkeypatch.setattr(language.LanguageIdentifier, "from_model_file",
                        classmethod(lambda cls, *a, **k: unpacked.append(1) or real(*a, **k)))
    language._identifier.cache_clear()
    assert detect_language(SAMPLES["sv"]) == "sv"
    assert unpacked == []  # read from the cache folder, not unpacked again
    language._identifier.cache_clear()


def test_a_damaged_cached_model_is_unpacked_again(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language._identifier.cache_clear()
    detect_language(SAMPLES["en"])
    [kept] = (tmp_path / "kg").glob("langid-*.pickle")
    kept.write_bytes(b"not a pickle")
    language._identifier.cache_clear()
    assert detect_language(SAMPLES["da"]) == "da"
    assert kept.stat().st_size > 1_000_000  # written whole again
    language._identifier.cache_clear()
