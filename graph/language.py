"""Language of a document, so later stages can pick language-specific rules.

py3langid ships its model inside the package, so detection works offline.
The model is restricted to the languages our corpora actually contain;
letting it choose among all 140 makes short Nordic texts drift into
Faroese, Icelandic or Afrikaans.

Unpacking the model (LZMA) takes half a second to a second, most of what a rebuild after one
changed document waits for; the unpacked identifier is kept in the user's cache folder
(XDG_CACHE_HOME/kg), keyed by the model file and the candidate languages, and loads in 0.1 s.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pickle
import re
from functools import cache
from itertools import islice
from pathlib import Path

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from .atomic import write_bytes_atomically

log = logging.getLogger(__name__)

UNDETERMINED = "und"
MIN_LETTERS = 20  # below this the scores are noise
SAMPLE_CHARS = 20_000  # the opening of a long report is enough and keeps detection fast

CANDIDATES = ("en", "da", "sv", "no", "nn", "de", "fr", "nl", "fi", "pl", "es", "it")
_SAME_LANGUAGE = {"nn": "no"}  # Bokmål and Nynorsk are both reported as "no"

# URLs and e-mail addresses are not language, and skew short texts towards English.
_NOT_PROSE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")

# Danish and Bokmål share most of their vocabulary; when the model cannot tell
# them apart, spellings that exist in only one of them decide.
_CLOSE_CALL = 0.3
_DANISH_ONLY = re.compile(
    r"\b(?:af|efter|igen|hvad|mig|dig|sig|nogen|nogle|noget|bliver|blev|meget|nu|jer|"
    r"mellem|gennem|uge|måske|spørgsmål|\w+tion(?:en|er|erne)?|\w+hed(?:en|er|erne)?)\b",
    re.IGNORECASE,
)
_NORWEGIAN_ONLY = re.compile(
    r"\b(?:av|etter|igjen|hva|meg|deg|seg|noen|noe|blir|ble|mye|nå|dere|mellom|gjennom|"
    r"uke|kanskje|spørsmål|ikkje|kva|\w+sjon(?:en|er|ene)?|\w+het(?:en|er|ene)?)\b",
    re.IGNORECASE,
)


@cache
def _identifier() -> LanguageIdentifier:
    """The model, once per process, on first use: from the cache folder, else unpacked (and kept)."""
    cached = _cached_model()
    if cached is not None:
        try:
            identifier = pickle.loads(cached.read_bytes())
            if isinstance(identifier, LanguageIdentifier):
                return identifier
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            pass  # missing or unreadable: unpacked again below
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(CANDIDATES)
    if cached is not None:
        try:
            write_bytes_atomically(cached, pickle.dumps(identifier, protocol=5))
        except OSError as error:  # a read-only home: detection still works, only slower
            log.info("language model not cached: %s", error)
    return identifier


def _cached_model() -> Path | None:
    """Where the unpacked model is kept: one file per model file, py3langid version and candidates."""
    try:
        model = Path(MODEL_DIR) / MODEL_FILE
        info = model.stat()
        home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (OSError, RuntimeError):
        return None
    key = "|".join([importlib.metadata.version("py3langid"), str(model), str(info.st_size), str(info.st_mtime_ns),
                    ",".join(CANDIDATES)])
    return Path(home) / "kg" / f"langid-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pickle"


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or "und" when it is too short to tell."""
    sample = _NOT_PROSE.sub(" ", text[:SAMPLE_CHARS])
    if len(list(islice(filter(str.isalpha, sample), MIN_LETTERS))) < MIN_LETTERS:  # counts no further than it needs
        return UNDETERMINED
    scores: dict[str, float] = {}
    for code, probability in _identifier().rank(sample):
        code = _SAME_LANGUAGE.get(code, code)
        scores[code] = scores.get(code, 0.0) + probability
    best = max(sorted(scores), key=scores.__getitem__)
    if best in ("da", "no") and abs(scores["da"] - scores["no"]) < _CLOSE_CALL:
        return _danish_or_norwegian(sample) or best
    return best


def _danish_or_norwegian(sample: str) -> str | None:
    """The variety whose distinctive spellings occur more often, or None on a tie."""
    danish = len(_DANISH_ONLY.findall(sample))
    norwegian = len(_NORWEGIAN_ONLY.findall(sample))
    if danish == norwegian:
        return None
    return "da" if danish > norwegian else "no"
