"""The request letter (SOP steps 1 to 5): drafting, its transitions, its number, sending it.

- ``drafts``: creating and editing a draft and the Daftar Data entries it asks for;
- ``transitions``: the one implementation of moving a letter from state to state;
- ``numbering``: the letter's number and date, given when it is signed;
- ``sending``: sending a signed letter to its OPDs (in the request or by a background job);
- ``queries``: finding letters (lists, filters, what waits on whom);
- ``labels``: what the states and transitions are called.

The states and the approval chain come from the SOP file (sop), who may do
what from access.py, the event log from events.py.
"""
