"""Action API of ckanext-sopsektoral (every action is named ``sopsektoral_*``).

One module per domain: ``sop`` (the SOP table, reindexing), ``officers``,
``daftar_data``, ``letters`` (drafting, the approval chain, sending, the event
log), ``items`` (collection, verification, publication) and ``status`` (a
dataset's SOP status and periods, and the chained ``package_update``).

Every action checks access first, then validates its input with its schema
(logic/schema.py), calls the domain functions (officers, letters, items,
datasets) and returns a dict made by logic/dictization.py. Reads are
side-effect free and can be called with GET. Write actions run in one
transaction: a failure rolls back whatever they flushed, and a transition
locks its letter's or item's row, re-checks its state and appends one entry
to the hash-chained event log.

``__all__`` lists every action in the order of the API reference
(docs/api.md): plugin.py registers them, scripts/api_docs.py documents them.
"""
from __future__ import annotations

from ckanext.sopsektoral.logic.action import daftar_data, items, letters, officers, sop, status

# In the order of the API reference: the SOP, officers, the Daftar Data, letters, items, status.
MODULES = (sop, officers, daftar_data, letters, items, status)

__all__ = [name for module in MODULES for name in module.__all__]

globals().update({name: getattr(module, name) for module in MODULES for name in module.__all__})
