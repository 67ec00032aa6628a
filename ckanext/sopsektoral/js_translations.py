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

import glob
import logging
import os

import ckan.plugins as p
from ckan.lib import i18n

log = logging.getLogger(__name__)


def _up_to_date() -> bool:
    """Every locale's file is newer than every catalogue: known from file times alone (CKAN's
    build reads every .pot first, a tenth of a second each time the plugins are configured)."""
    catalogues = [os.path.join(i18n.get_ckan_i18n_dir(), "*", "LC_MESSAGES", "ckan.po")]
    for plugin in p.PluginImplementations(p.ITranslation):
        catalogues.append(os.path.join(plugin.i18n_directory(), "*", "LC_MESSAGES", plugin.i18n_domain() + ".po"))
    sources = [path for pattern in catalogues for path in glob.glob(pattern)]
    locales = {path.split(os.sep)[-3] for path in sources}
    dest_dir = getattr(i18n, "get_js_translations_dir", None)  # CKAN 2.11+; 2.10 has a constant
    dest = dest_dir() if dest_dir else i18n._JS_TRANSLATIONS_DIR
    try:
        built = [os.path.getmtime(os.path.join(dest, f"{locale}.js")) for locale in locales]
    except OSError:
        return False
    return bool(built) and min(built) >= max(os.path.getmtime(path) for path in sources)


def build() -> None:
    """Build (or keep, when up to date) the JavaScript translations of every offered locale."""
    try:
        if _up_to_date():
            return
        i18n.build_js_translations()
    except OSError as error:
        # A read-only storage path: the portal runs, its dialogs in English until
        # `ckan translation js` is run by someone who may write there.
        log.warning("JavaScript translations not built (%s): run `ckan translation js`", error)
