"""The translations of CKAN's JavaScript include this plugin's catalogue.

The browser gets the messages of CKAN's JavaScript (the confirm dialog's "Please Confirm
Action", "Confirm", "Cancel"; those of our ``sopsektoral-confirm`` module) from
``/api/i18n/<lang>``, which serves a file that ckan/lib/i18n.py ``build_js_translations`` makes
from the catalogues of CKAN and of each ITranslation plugin: the messages whose locations in a
``.pot`` include a ``.js`` file, the later catalogue winning. CKAN 2.10 builds the files when its
environment loads; CKAN 2.11 and 2.12 only in ``ckan run`` and ``ckan translation js``, so a
portal served by uWSGI or gunicorn would serve none of our translations. The plugin builds them
when it is configured; the build is skipped while the files are newer than every catalogue.
"""
from __future__ import annotations

import logging

from ckan.lib import i18n

log = logging.getLogger(__name__)


def build() -> None:
    """Build (or keep, when up to date) the JavaScript translations of every offered locale."""
    try:
        i18n.build_js_translations()
    except OSError as error:
        # A read-only storage path: the portal runs, its dialogs in English until
        # `ckan translation js` is run by someone who may write there.
        log.warning("JavaScript translations not built (%s): run `ckan translation js`", error)
