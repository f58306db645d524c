"""The names in a build's output folder, one list for the writers and for the rebuild that reads
them back (README, "How it works", describes the folder)."""
from __future__ import annotations

GRAPH_FILE = "graph.ttl"
VIEW_FILE = "graph.html"
STORE_DIR = "store"
REPORT_FILE = "build-report.json"
CACHE_DIR = ".cache"  # the extraction cache and the previous build's record (graph.previous)
VIEW_TITLE = "Social services leadership graph"
