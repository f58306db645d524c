"""Extraction cost per document on one core: `python -m tests.bench.extraction DIR [N]`.

Reads the first N documents of DIR (a corpus from `python -m tests.bench.corpus`, or any folder
of documents), extracts each once to compile the rules, then times `extract_one` over all of
them with process time (so other jobs on the machine move the figure less) and prints
milliseconds per document. Rule changes are weighed with it: run it before and after.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from graph.build import extract_one
from graph.knowledge import load_knowledge
from graph.read import read_file
from graph.records import Document


def extraction_ms_per_document(folder: Path, count: int) -> tuple[float, int]:
    documents = [d for d in (read_file(p, identifier=p.name) for p in sorted(folder.iterdir())[:count] if p.is_file())
                 if isinstance(d, Document)]
    if not documents:
        raise SystemExit(f"no readable documents in {folder}")
    knowledge = load_knowledge()
    extract_one(documents[0], knowledge)  # compiles the rules
    started = time.process_time()
    for document in documents:
        extract_one(document, knowledge)
    return (time.process_time() - started) / len(documents) * 1000, len(documents)


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__.splitlines()[0])
    folder, count = Path(argv[0]), int(argv[1]) if len(argv) > 1 else 300
    ms, documents = extraction_ms_per_document(folder, count)
    print(f"extraction: {ms:.1f} ms per document, one core, over {documents} documents of {folder}")


if __name__ == "__main__":
    main(sys.argv[1:])
