"""The datasets that receive the requested data, as the SOP sees them.

``status`` (the read-only ``sop_*`` fields of a dataset), ``index`` (keeping
the search index in step with the tables), ``consistency`` (checking that it
is), ``permissions`` (who finds and may change a dataset in the workflow),
``metadata`` (how complete a dataset's metadata is), ``site`` (the context in
which the extension itself acts on datasets).
"""
