"""Knowledge graph builder for the leadership and management of public social services in Europe.

The package is the pipeline, one module per stage: read -> language -> extract -> resolve ->
rdf -> build (outputs) -> query / export / network / render. The Python API for notebooks
is `graph.api` (`from graph import api`).
"""
