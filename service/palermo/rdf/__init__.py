"""RDF basics every layer uses: the one prefix table, plain terms and their conversions, parsing,
JSON-LD, input guards.
"""
