"""Atomic writes: every output file appears whole or not at all.

A build killed at any moment leaves the previous outputs intact and readable, because each file
is written to a temporary file beside it, flushed to disk, then renamed over the target.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)  # the mode any file the user writes gets, not mkstemp's 0600
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Background:
    """A function run in a thread; `result()` waits for it and raises what it raised."""

    def __init__(self, function: Callable, *args):
        self.error: BaseException | None = None
        self.value = None
        self.thread = threading.Thread(target=self._run, args=(function, *args), daemon=True)
        self.thread.start()

    def _run(self, function: Callable, *args) -> None:
        try:
            self.value = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
            self.error = error

    def result(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


@contextlib.contextmanager
def new_file(path: Path, syncs: list | None = None):
    """A file written beside `path` and renamed over it when the block ends; with `syncs`, its
    fsync runs in a thread while the build goes on (the file is renamed once it is done)."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        yield fd
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise

    def finish():
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    if syncs is None:
        finish()
    else:
        syncs.append(Background(finish))


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
