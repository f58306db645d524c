"""Byte records kept between builds in append-only segment files, found through an index.

A rebuild reads only the records it needs and writes only the new ones; the segments it keeps
are hard links to the previous build's, never changed once written. Every record is checked
against its length and BLAKE2 digest on reading, so a damaged file is a miss, never wrong data.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterable


def segment_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Segments:
    """Byte records kept between builds in append-only segment files of a cache folder, found
    through an index {key: (segment, offset, length, digest)}. A rebuild reads only the records it
    needs and writes only new ones: the segments it keeps are hard links to the previous build's
    (segments are never changed once written). A record whose length or BLAKE2 digest is not the
    indexed one is a miss, so a damaged cache only makes the build slower."""

    def __init__(self, directory: Path | None, prefix: str, index: dict | None = None):
        self.directory = directory
        self.prefix = prefix
        self.index: dict = dict(index or {})
        self.new: dict = {}
        self._files: dict[str, int] = {}

    def __contains__(self, key) -> bool:
        return key in self.new or key in self.index

    def get(self, key) -> bytes | None:
        if key in self.new:
            return self.new[key]
        ref = self.index.get(key)
        if ref is None or self.directory is None:
            return None
        try:
            segment, offset, length, digest = ref
            fd = self._files.get(segment)
            if fd is None:
                fd = self._files[segment] = os.open(self.directory / os.path.basename(segment), os.O_RDONLY)
            data = os.pread(fd, length, offset)
        except (OSError, TypeError, ValueError):
            return None
        return data if len(data) == length and segment_digest(data) == digest else None

    def put(self, key, data: bytes) -> None:
        self.new[key] = data

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()

    def save_to(self, directory: Path, keep: Iterable) -> dict:
        """Write the records of `keep` into `directory` (a new folder) and return their index."""
        directory.mkdir(parents=True, exist_ok=True)
        keep = list(keep)
        old = {key: self.index[key] for key in keep if key not in self.new and key in self.index}
        used = {ref[0] for ref in old.values()}
        live = sum(ref[2] for ref in old.values())
        sizes = {}
        for segment in used:
            try:
                sizes[segment] = os.stat(self.directory / segment).st_size
            except (OSError, TypeError):
                sizes[segment] = None
        index: dict = {}
        fresh = [key for key in keep if key in self.new]
        if any(size is None for size in sizes.values()) or live < 0.5 * sum(sizes.values()):
            kept = set()  # more than half of the kept segments is dead: write the live records afresh
        elif len(used) > 8:  # one segment per rebuild: the small ones join the new one
            kept = {max(used, key=lambda segment: sizes[segment])}
        else:
            kept = used
        for segment in kept:
            _link_or_copy(self.directory / segment, directory / segment)
        index.update((key, ref) for key, ref in old.items() if ref[0] in kept)
        fresh.extend(key for key, ref in old.items() if ref[0] not in kept)
        if fresh:
            segment = f"{self.prefix}-{secrets.token_hex(8)}.seg"
            offset = 0
            with open(directory / segment, "wb") as handle:
                for key in fresh:
                    data = self.get(key)
                    if data is None:
                        continue
                    handle.write(data)
                    index[key] = (segment, offset, len(data), segment_digest(data))
                    offset += len(data)
                handle.flush()
                os.fsync(handle.fileno())
        return index


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
