"""The project's domain errors and exit codes, kept in one place.

Exit codes (documented in the README):
  0  success
  1  the command ran and found a problem: SHACL violations, a failed quality gate,
     or skipped input files under --strict
  2  usage or input error: bad option, no such graph, SPARQL syntax error, timeout
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_ERROR = 2


class KgError(Exception):
    """A user-facing error: the CLI prints its message on one line and exits with EXIT_ERROR."""


class GraphNotFound(KgError):
    pass


class QueryError(KgError):
    pass


class QueryTimeout(QueryError):
    pass
