"""Extraction of many documents, in this process or in worker processes.

Each document's extraction is `extract_one`'s wherever it runs: a pure function of the document
and the rules, so it can run in worker processes, on a cluster, and be cached by content hash.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from .extract import extract_document, extractor_for
from .knowledge import Knowledge, load_knowledge
from .language import detect_language
from .previous import ExtractionCache, readable
from .read import DEFAULT_MAX_BYTES
from .records import Document, Extraction


def extract_one(document: Document, knowledge: Knowledge | None = None) -> Extraction:
    """Language detection and extraction of one document: a pure function of it and the rules."""
    knowledge = knowledge or load_knowledge()
    return extract_document(document, knowledge, detect_language(document.text))


def _extract_in_worker(document: Document) -> Extraction:
    return extract_one(document)


def extract_all(documents: list[Document], knowledge: Knowledge, *, jobs: int = 1,
                progress: Callable[[int], None] | None = None, cache: ExtractionCache | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> list[Extraction]:
    """Extract every document, in worker processes when jobs > 1; the order of the result is fixed."""
    extractions: list[Extraction] = []
    if cache is not None:
        todo = []
        for document in documents:
            cached = cache.get(document)
            if cached is None:
                todo.append(readable(document, max_bytes))
            else:
                extractions.append(cached)
                if progress:
                    progress(1)
        documents = todo
    else:
        documents = [readable(d, max_bytes) for d in documents]
    if jobs > 1 and len(documents) > 1 and knowledge.directory == load_knowledge().directory:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, min(64, len(documents) // (jobs * 8) or 1))
            for extraction in pool.map(_extract_in_worker, documents, chunksize=chunk):
                extractions.append(extraction)
                if progress:
                    progress(1)
    else:
        for document in documents:
            extractions.append(extract_one(document, knowledge))
            if progress:
                progress(1)
    return sorted(extractions, key=lambda x: x.identifier)


def _warm_up() -> None:
    """A worker's first task: compile the extraction rules (seconds) before any document arrives."""
    extractor_for(load_knowledge())


def _extract_in_language(document: Document, language: str) -> Extraction:
    return extract_document(document, load_knowledge(), language)


class PendingExtraction:
    """The extraction of a few documents, started at once. With jobs > 1 it runs in worker
    processes that compile the rules while this process detects the documents' languages (the
    language model loads meanwhile) and reads the previous build's record; `result()` waits.
    Each document's extraction is extract_one's, wherever it runs."""

    def __init__(self, documents: list[Document], knowledge: Knowledge, jobs: int, max_bytes: int):
        self.documents = [readable(d, max_bytes) for d in documents]
        self.knowledge = knowledge
        self.pool = None
        self.futures = []
        if jobs > 1 and self.documents and knowledge.directory == load_knowledge().directory:
            workers = max(1, min(jobs, len(self.documents) // 8))
            self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_up)
            self.pool.submit(int)  # starts the worker: it compiles the rules from now on
            if len(self.documents) <= 16:
                self.futures = [self.pool.submit(_extract_in_language, d, detect_language(d.text)) for d in self.documents]
            else:
                self.futures = [self.pool.submit(_extract_in_worker, d) for d in self.documents]

    def result(self) -> list[Extraction]:
        if self.pool is None:
            return [extract_one(d, self.knowledge) for d in self.documents]
        try:
            return [future.result() for future in self.futures]
        finally:
            self.pool.shutdown(cancel_futures=True)
