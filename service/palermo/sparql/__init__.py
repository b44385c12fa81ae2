"""SPARQL: the named queries of queries/ (named) and the bounded evaluation of any query
(runner)."""
