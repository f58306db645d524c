"""Fuzz the reader and the extraction rules: any bytes in, never an exception, never a hang.

    python -m tests.fuzz.fuzz_rules --iterations 20000            # atheris if installed, else Hypothesis
    python -m tests.fuzz.fuzz_rules --engine hypothesis --iterations 5000
    python -m tests.fuzz.fuzz_rules --iterations 2000 --rdf       # also RDF assembly, Turtle round trip

Each input goes through `graph.read.decode`, `graph.read.read_bytes` (as .txt, .html or .md,
chosen by the input) and, when it yields a Document, `graph.build.extract_one`; the raw bytes
decoded leniently also go straight to `extract_one`, so text the reader would have cleaned
(control characters, CRs, BOMs) reaches the rules too. Half the inputs are built from
real-looking sentences of the field ("Anna Berg, socialchef i Malmö stad") mixed with noise,
so the relation rules fire often; the rest are raw bytes.

Nothing is raised to the engine: every exception is recorded (deduplicated by type and the
innermost frame in graph/), its input saved under --findings, and the run goes on. Inputs
slower than --slow seconds are saved too. At the end the harness prints the number of
inputs, exceptions found, slow inputs and the time taken, and exits 1 if any exception was
found. With atheris (coverage-guided, libFuzzer; `pip install atheris`, not a project dependency)
the graph modules are instrumented, the shipped seeds/ documents are the starting corpus, and
libFuzzer runs in a child process that keeps its figures in FINDINGS/stats.json.
"""
from __future__ import annotations

import argparse
import faulthandler
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SENTENCES = [
    "Anna Berg, socialchef i Malmö stad", "Ingrid Fjeldsø, direktør, Socialt Udviklingscenter",
    "Marjorie Whitfield, Director of the Northbridge Institute for Social Welfare",
    "Søren Kjærgaard (direktør, Aarhus Kommune)", "Bente Krogh, udsatteområdechef i Aarhus Kommune",
    "the 'Leadership, Performance and Innovation' working group", "the European Social Network (ESN)",
    "ESN's policy director, Alfonso Lara Montero", 'the report "Leading for Results in Social Services"',
    "Report: Leadership and management in social services", "Programme: Ledelse af kvalitet",
    "Helle Støve, Formand for Børne- og Kulturchefforeningens børne- og familienetværk, samt Børne- og familiechef i Favrskov Kommune",
    "1. Ann Hermansen, Familiechef, Randers Kommune: ”Indsatskvalitet i arbejdet”", "fredag 5 april 2013",
    "14 June 2023", "2024-02-28", "konstitueret direktør", "acting director", "former chair", "fhv. socialchef",
    "The '<img src=x onerror=alert(1)>' working group", 'Report: The "Triple """ Quote" \\ review',
    "AFS (Alpha#1 Forum%20 Social{x})", "Jose\u0301 Marti\u0301nez, Director of the Southport Institute",
    "\u202egnirts desrever\u202c", "\U0001F469\u200D\u2695\uFE0F", "London Borough of Camden", "Leeds City Council",
    "Sveriges Kommuner och Regioner (SKR)", "enligt Åsa Lindström, ordförande för Socialchefsföreningen",
    "Hun kommer fra en stilling som socialchef i Viborg Kommune", "<p>Thomas Reed, Director of the Harbour Centre</p>",
    "<!DOCTYPE html><html><head><title>T</title></head><body>", "<script>alert(1)</script>", "| Navn | Titel |\n|---|---|",
]
SEPARATORS = [" ", ", ", ". ", ".\n", "\n", "\n\n", "; ", "\t", "\u2028", "\r\n", "", " og ", " and ", ": ", " – ", "\x0c"]
SUFFIXES = [".txt", ".html", ".md", "", ".htm"]
LONGEST = 16_000  # characters of a composed document (--longest): long lines, never minutes of work by design


class Findings:
    """Exceptions and slow inputs found so far, with their inputs saved for replay."""

    def __init__(self, folder: Path, slow: float, hang: float = 120.0):
        self.folder = folder
        self.slow_limit = slow
        self.hang_limit = hang
        self.iterations = 0
        self.exceptions: dict[tuple[str, str], int] = {}
        self.examples: dict[tuple[str, str], str] = {}
        self.slow: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.slowest = 0.0

    def current(self, data: bytes) -> None:
        """The input being run, in FINDINGS/current.bin: what to replay when a run hangs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "current.bin").write_bytes(data)

    def save(self, kind: str, data: bytes) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}.bin"
        path.write_bytes(data)
        return str(path)

    def exception(self, error: BaseException, data: bytes, stage: str) -> None:
        frames = traceback.extract_tb(error.__traceback__)
        ours = [f for f in frames if "/graph/" in f.filename] or frames
        where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno} {ours[-1].name}" if ours else "?"
        key = (f"{stage}: {type(error).__name__}", where)
        self.exceptions[key] = self.exceptions.get(key, 0) + 1
        if key not in self.examples:
            self.examples[key] = self.save("crash", data)
            print(f"\nNEW EXCEPTION {key[0]} at {key[1]}: {str(error)[:200]} (input: {self.examples[key]})",
                  file=sys.stderr, flush=True)

    def timed(self, seconds: float, data: bytes) -> None:
        self.slowest = max(self.slowest, seconds)
        if seconds > self.slow_limit:
            self.slow.append((seconds, self.save("slow", data)))
            print(f"\nSLOW INPUT {seconds:.1f} s, {len(data)} bytes: {self.slow[-1][1]}", file=sys.stderr, flush=True)

    def dump(self, path: Path) -> None:
        """The figures so far as JSON (the atheris child writes them; libFuzzer's exit skips Python's)."""
        data = {"iterations": self.iterations, "elapsed": time.monotonic() - self.started, "slowest": self.slowest,
                "slow": self.slow, "exceptions": [[stage, where, count, self.examples[(stage, where)]]
                                                  for (stage, where), count in sorted(self.exceptions.items())]}
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path, folder: Path, slow: float) -> "Findings":
        findings = cls(folder, slow)
        data = json.loads(path.read_text(encoding="utf-8"))
        findings.iterations, findings.slowest = data["iterations"], data["slowest"]
        findings.slow = [tuple(item) for item in data["slow"]]
        findings.started = time.monotonic() - data["elapsed"]
        for stage, where, count, example in data["exceptions"]:
            findings.exceptions[(stage, where)] = count
            findings.examples[(stage, where)] = example
        return findings

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        lines = [
            f"inputs: {self.iterations}",
            f"time: {elapsed:.1f} s ({self.iterations / elapsed if elapsed else 0:.1f} inputs/s)",
            f"exceptions found: {sum(self.exceptions.values())} ({len(self.exceptions)} distinct)",
            f"slow inputs (> {self.slow_limit} s): {len(self.slow)}; slowest input: {self.slowest:.2f} s",
        ]
        for (stage, where), count in sorted(self.exceptions.items()):
            lines.append(f"  {count:6d} x {stage} at {where}  e.g. {self.examples[(stage, where)]}")
        for seconds, path in sorted(self.slow, reverse=True)[:10]:
            lines.append(f"  slow {seconds:.1f} s: {path}")
        return "\n".join(lines)


def compose(data: bytes, longest: int = LONGEST) -> tuple[bytes, str]:
    """Bytes -> (document bytes, suffix): sentences and noise when the first byte is even, else raw."""
    if not data:
        return b"", ".txt"
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    if data[0] % 2 or len(data) < 3:
        return data[1:], suffix
    parts, rest, length = [], data[1:], 0
    while rest and length < longest:
        choice, rest = rest[0], rest[1:]
        if choice < 120:
            parts.append(SENTENCES[choice % len(SENTENCES)])
        elif choice < 200:
            parts.append(SEPARATORS[choice % len(SEPARATORS)])
        elif choice < 240:
            size = 1 + choice % 8
            parts.append(rest[:size].decode("utf-8", "replace"))
            rest = rest[size:]
        else:  # a long run: the last piece repeated, up to LONGEST characters in all
            times, rest = (rest[0] if rest else 1) * 40, rest[1:]
            piece = parts[-1] if parts and parts[-1] else "Aa "
            parts.append((piece * times)[: longest - length])
        length += len(parts[-1])
    return "".join(parts).encode("utf-8", "surrogatepass"), suffix


class Target:
    """One input through decode, read_bytes, extract_one (and optionally RDF assembly)."""

    def __init__(self, findings: Findings, rdf: bool, longest: int = LONGEST, stats: Path | None = None):
        from graph.build import extract_one
        from graph.knowledge import load_knowledge
        from graph.read import decode, read_bytes
        from graph.records import Document, Skip

        self.findings, self.rdf, self.longest, self.stats = findings, rdf, longest, stats
        self.decode, self.read_bytes, self.extract_one = decode, read_bytes, extract_one
        self.Document, self.Skip = Document, Skip
        self.knowledge = load_knowledge()
        extract_one(Document("warm-up.txt", "Anna Berg, socialchef i Malmö stad."), self.knowledge)

    def __call__(self, data: bytes) -> None:
        self.findings.iterations += 1
        raw, suffix = compose(data, self.longest)
        self.findings.current(data)  # a hang leaves its input behind, and a traceback after --hang s
        faulthandler.dump_traceback_later(self.findings.hang_limit, exit=False)
        started = time.monotonic()
        try:
            text, encoding = self.decode(raw)
            assert isinstance(text, str) and isinstance(encoding, str), "decode returned no text"
        except Exception as error:  # noqa: BLE001
            self.findings.exception(error, data, "decode")
        try:
            result = self.read_bytes(raw, identifier=f"fuzz{suffix}", path=f"fuzz{suffix}", suffix=suffix)
            assert isinstance(result, (self.Document, self.Skip)), f"read_bytes returned {type(result)}"
        except Exception as error:  # noqa: BLE001
            self.findings.exception(error, data, "read_bytes")
            result = None
        documents = [self.Document("lenient.txt", raw.decode("utf-8", "replace"), content_hash="0")]
        if isinstance(result, self.Document):
            documents.append(result)
        for document in documents:
            try:
                extraction = self.extract_one(document, self.knowledge)
                if self.rdf:
                    self.assemble(document, extraction)
            except Exception as error:  # noqa: BLE001
                self.findings.exception(error, data, "extract_one" if document.identifier == "lenient.txt"
                                        else "extract_one(read_bytes)")
        faulthandler.cancel_dump_traceback_later()
        self.findings.timed(time.monotonic() - started, data)
        if self.stats is not None:  # every input: libFuzzer may end the process after any of them
            self.findings.dump(self.stats)
        if self.findings.iterations % 500 == 0:
            print(f"... {self.findings.summary().splitlines()[0]}, {len(self.findings.exceptions)} distinct exceptions, "
                  f"{time.monotonic() - self.findings.started:.0f} s", file=sys.stderr, flush=True)

    def assemble(self, document, extraction) -> None:
        import pyoxigraph as ox

        from graph.rdf import corpus_quads, turtle_bytes
        from graph.resolve import resolve

        quads = corpus_quads(resolve([extraction], self.knowledge), self.knowledge)
        data = turtle_bytes(quads)
        parsed = {(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.TURTLE)}
        assert parsed == {(q.subject, q.predicate, q.object) for q in quads}, "Turtle does not round-trip"


def seed_corpus(folder: Path, max_len: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        (folder / path.name).write_bytes(b"\x01" + path.read_bytes()[: max_len - 1])  # odd first byte: raw
    for index in range(0, 200, 7):
        (folder / f"sentences-{index}").write_bytes(bytes([2 * index % 256 & 0xFE, *range(index, index + 40)]))
    return folder


def run_atheris(args, findings: Findings) -> None:
    """libFuzzer in a child process (it ends its process with exit(), past Python's clean-up)."""
    stats = args.findings / "stats.json"
    args.findings.mkdir(parents=True, exist_ok=True)
    stats.unlink(missing_ok=True)
    command = [sys.executable, "-m", "tests.fuzz.fuzz_rules", "--atheris-child", str(stats), *sys.argv[1:]]
    child = subprocess.run(command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if stats.is_file():
        done = Findings.load(stats, args.findings, args.slow)
        findings.__dict__.update(done.__dict__)
    if child.returncode not in (0, 1):
        print(f"libFuzzer ended with exit code {child.returncode}", file=sys.stderr)


def atheris_child(args, stats: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["graph"]):
        import graph.build  # noqa: F401
        import graph.extract  # noqa: F401
        import graph.read  # noqa: F401
    findings = Findings(args.findings, args.slow, args.hang)
    target = Target(findings, args.rdf, args.longest, stats)
    corpus = seed_corpus(args.findings / "corpus", args.max_len)  # kept: the next run starts where this one ended
    argv = [sys.argv[0], f"-runs={args.iterations}", f"-max_len={args.max_len}", f"-seed={args.seed}",
            "-timeout=600", "-rss_limit_mb=8192", "-print_final_stats=1", f"-artifact_prefix={args.findings}/",
            *([f"-max_total_time={int(args.seconds)}"] if args.seconds else []), str(corpus)]
    atheris.Setup(argv, target)
    atheris.Fuzz()  # never returns


def run_hypothesis(args, findings: Findings) -> None:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    target = Target(findings, args.rdf, args.longest)
    inputs = st.one_of(st.binary(max_size=args.max_len),
                       st.binary(max_size=args.max_len).map(lambda b: bytes([0]) + b),  # sentence mode
                       st.text(st.characters(exclude_categories=("Cs",)), max_size=args.max_len // 4)
                       .map(lambda t: b"\x01" + t.encode("utf-8")))

    @settings(max_examples=args.iterations, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @seed(args.seed)
    @given(inputs)
    def fuzz(data: bytes) -> None:
        target(data)

    fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", "-n", type=int, default=1000, help="inputs to run")
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument("--max-len", type=int, default=4096, help="largest input in bytes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow", type=float, default=5.0, help="save inputs slower than this many seconds")
    parser.add_argument("--hang", type=float, default=120.0, help="print every thread's traceback when one input "
                        "runs this long (its bytes are in FINDINGS/current.bin)")
    parser.add_argument("--longest", type=int, default=LONGEST, help="longest composed document, in characters")
    parser.add_argument("--seconds", type=float, default=None, help="atheris: stop after this long")
    parser.add_argument("--rdf", action="store_true", help="also assemble RDF and round-trip the Turtle")
    parser.add_argument("--findings", type=Path, default=Path(tempfile.gettempdir()) / "kg-fuzz-findings")
    parser.add_argument("--atheris-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    findings = Findings(args.findings, args.slow, args.hang)
    if not args.atheris_child:
            print(f"fuzzing with {engine}: {args.iterations} inputs of up to {args.max_len} bytes; findings in {args.findings}",
              flush=True)

    if args.atheris_child:
        atheris_child(args, args.atheris_child)  # never returns
    if engine == "atheris":
        run_atheris(args, findings)
    else:
        run_hypothesis(args, findings)
    print("\n" + findings.summary(), flush=True)
    return 1 if findings.exceptions else 0


if __name__ == "__main__":
    sys.exit(main())
