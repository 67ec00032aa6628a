"""Data items: one data item asked of one OPD by a sent letter (SOP steps 5 and 6).

``states`` (states, transitions, labels, the verifier's checklist),
``deadlines`` (when each step is due, when verification opens), ``sending``
(the items' datasets when a letter is sent), ``queries`` (listing items as
dicts), ``transitions`` (what every item transition does).
"""
