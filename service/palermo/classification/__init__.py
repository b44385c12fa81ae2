"""Classification of case graphs under TIP Protocol art. 3 and SoM Protocol art. 3 and 6: the
decision rules (rules), the facts read from a closed case (facts), the answer (results), and the
classifier that joins them to reasoning (classifier).
"""
