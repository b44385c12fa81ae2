"""OWL 2 RL reasoning: the ontology and the owlrl reference (ontology), the compiled fast path
(fastpath), and the cut of an input into cases (casegraph).
"""
