#!/usr/bin/env python3
"""Set up and run the project with nothing but python3: `python3 dev.py demo` or `python3 dev.py test`.

Both create (or reuse) a virtual environment in .venv and install the project into it as a
real package (`pip install .`, not an editable install), so what runs is what users get.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=ROOT, check=True)


def setup(extra: str = "") -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # Build the wheel from a clean copy so stale build/ folders never leak into it.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", ".")
    run(BIN / "python", "-m", "pip", "install", "--quiet", f".{extra}")


def demo() -> None:
    """Build the graph of seeds/ into out/, print the summary and answer one example query."""
    setup()
    run(BIN / "kg", "build", "seeds", "--out", "out", "--query", "who-holds-which-role")


def test() -> None:
    """Run the whole test suite against the installed package."""
    setup("[test]")
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *sys.argv[2:]], cwd=ROOT)
    sys.exit(result.returncode)


if __name__ == "__main__":
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit("usage: python3 dev.py demo | test [pytest arguments]")
    commands[sys.argv[1]]()
