"""SHACL validation: the shapes (shapes), the engines (pyshacl_engine, the reference), and the
report (report).
"""
