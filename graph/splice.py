"""Files made of new text and of byte ranges copied from the files an earlier build wrote.

A rebuild after one changed document writes graph.ttl (and graph.html, see view_page) as the
few new pieces and, for everything else, ranges of the previous file that the kernel copies
(os.copy_file_range). A source file is used only while it is the one the previous build
recorded; otherwise the text is made again.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .atomic import new_file
from .rdf import Graph


class StaleSource(Exception):
    """A file an earlier build wrote is no longer what it recorded."""


class TextSource:
    """A file an earlier build wrote, trusted while it is the one recorded then: the same size,
    modification time and bytes at a few sampled places (nothing kg does rewrites a file in place;
    a copy that keeps the times, `cp -a`, is the same file)."""

    def __init__(self, path: str, identity: tuple):
        self.path = path
        self.identity = tuple(identity)

    @staticmethod
    def identity_of(fd: int) -> tuple:
        """(size, mtime in ns, digest of sampled blocks) of an open file."""
        info = os.fstat(fd)
        size = info.st_size
        sample = hashlib.blake2b(digest_size=16)
        for k in range(9):
            sample.update(os.pread(fd, 4096, max(0, min(size - 4096, size * k // 8))))
        return (size, info.st_mtime_ns, sample.hexdigest())

    @classmethod
    def identity_of_path(cls, path) -> tuple | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            return cls.identity_of(fd)
        finally:
            os.close(fd)

    def open(self) -> int:
        """A descriptor of the file, or StaleSource if it is not the one recorded."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as error:
            raise StaleSource(self.path) from error
        if self.identity_of(fd) != self.identity:
            os.close(fd)
            raise StaleSource(self.path)
        return fd

    def read(self, offset: int, length: int) -> str:
        fd = self.open()
        try:
            data = os.pread(fd, length, offset)
        finally:
            os.close(fd)
        if len(data) != length:
            raise StaleSource(self.path)
        return data.decode("utf-8")


def file_identity(path: Path) -> tuple | None:
    """What a later build checks to trust a file this build wrote (None: it cannot be read)."""
    return TextSource.identity_of_path(path)


class StoredChunk:
    """A chunk an earlier build wrote: its text is a byte range of that build's graph.ttl, read
    (or made again by `remake`, if the file changed) only when something needs the text itself."""

    __slots__ = ("graph", "first", "last", "count", "source", "offset", "length", "remake", "_text")

    def __init__(self, graph, first, last, count, source: TextSource, offset: int, length: int, remake=None):
        self.graph, self.first, self.last, self.count = graph, tuple(first), tuple(last), count
        self.source, self.offset, self.length, self.remake = source, offset, length, remake
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            try:
                self._text = self.source.read(self.offset, self.length)
            except StaleSource:
                if self.remake is None:
                    raise
                self._text = self.remake().text
        return self._text

    @property
    def utf8(self) -> bytes:
        return self.text.encode("utf-8")

    def data(self) -> tuple:
        return (self.graph, self.text, self.first, self.last, self.count)


class Sink:
    """A file written from text and from byte ranges of earlier files, the ranges copied by the
    kernel (os.copy_file_range) and joined where they were contiguous in their source."""

    def __init__(self, fd: int):
        self.fd = fd
        self.position = 0
        self.buffer = bytearray()
        self.range: list | None = None  # [source fd, start, length] not yet copied
        self.held = b""  # bytes written after that range, not yet placed

    def write(self, data: bytes) -> None:
        if self.range is not None:
            self.held += data
            if len(self.held) > 64:
                self._place_range()
        else:
            self.buffer += data
            if len(self.buffer) > 1 << 20:
                self._flush_buffer()
        self.position += len(data)

    def copy(self, source: int, start: int, length: int, separators: bytes = b"") -> None:
        """Copy `length` bytes at `start` of `source`. Where this range follows the last one in the
        source with only what was written since between them, one copy serves both; `separators`
        are texts known to stand between consecutive ranges of the source (its layout says so),
        anything else is compared with the source first."""
        pending = self.range
        if pending is not None and pending[0] == source:
            end = pending[1] + pending[2]
            if start == end + len(self.held) and (not self.held or self.held in separators
                                                  or os.pread(source, len(self.held), end) == self.held):
                pending[2] += len(self.held) + length
                self.held = b""
                self.position += length
                return
        self._place_range()
        self._flush_buffer()
        self.range = [source, start, length]
        self.position += length

    def _place_range(self) -> None:
        if self.range is not None:
            source, start, length = self.range
            self.range = None
            _copy_range(source, self.fd, start, length)
        if self.held:
            self.buffer += self.held
            self.held = b""

    def _flush_buffer(self) -> None:
        view = memoryview(self.buffer)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        self.buffer = bytearray()

    def close(self) -> None:
        self._place_range()
        self._flush_buffer()


def _copy_range(source: int, target: int, start: int, length: int) -> None:
    end = start + length
    while start < end:
        try:
            copied = os.copy_file_range(source, target, end - start, start)
        except (AttributeError, OSError):
            copied = 0
        if copied <= 0:  # not supported here (or across file systems): copy through memory
            data = os.pread(source, min(end - start, 1 << 24), start)
            if not data:
                raise StaleSource("a source file ended early")
            view = memoryview(data)
            while view:
                view = view[os.write(target, view):]
            copied = len(data)
        start += copied


def write_turtle(graph: Graph, path: Path, syncs: list | None = None) -> dict[int, tuple[int, int]]:
    """graph.ttl, written piece by piece (never whole in memory) to a temporary file, then renamed.
    A chunk an earlier build wrote is copied from its file. Returns where each chunk's text stands
    ({index in graph.chunks: (offset, length)})."""
    layout: dict[int, tuple[int, int]] = {}
    sources: dict[str, int | None] = {}
    index_of = {id(chunk): index for index, chunk in enumerate(graph.chunks)}
    try:
        with new_file(path, syncs) as fd:
            sink = Sink(fd)
            for text, chunk in graph.turtle_pieces():
                if text is not None:
                    sink.write(text.encode("utf-8"))
                    continue
                start = sink.position
                source = _source_fd(chunk, sources) if isinstance(chunk, StoredChunk) else None
                if source is not None:
                    sink.copy(source, chunk.offset, chunk.length, (b" .\n",))
                else:
                    sink.write(chunk.utf8)
                layout[index_of[id(chunk)]] = (start, sink.position - start)
            sink.close()
    finally:
        for fd in sources.values():
            if fd is not None:
                os.close(fd)
    return layout


def _source_fd(chunk: StoredChunk, sources: dict) -> int | None:
    path = chunk.source.path
    if path not in sources:
        try:
            sources[path] = chunk.source.open()
        except StaleSource:
            sources[path] = None
    return sources[path]
