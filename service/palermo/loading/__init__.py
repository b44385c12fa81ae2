"""Putting case data into the store, classified: one load() that picks the path (load), the bulk
and batched paths, case-graph writes and updates (casegraphs), and the CSV importers
(importers/).
"""
