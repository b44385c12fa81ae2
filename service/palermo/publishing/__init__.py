"""Linked-data publishing: the ontology and shapes by IRI (publication), their HTML documentation
(documentation) and the VoID/DCAT catalogue (catalogue).
"""
