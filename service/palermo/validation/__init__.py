"""SHACL validation: the shapes (shapes), the engines (oxigraph_engine, the shapes compiled by
plan_compiler to set-at-a-time SPARQL; pyshacl_engine, the reference) chosen by name (validator),
the report (report) and validation jobs (jobs).
"""
