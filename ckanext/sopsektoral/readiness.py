"""Whether the plugin's database is at the head of its migrations.

A portal may enable the plugin and restart before running
``ckan db upgrade -p sopsektoral`` (or upgrade the package to a version with a
new migration and restart before migrating). Until the database is at the
head of ``migration/sopsektoral``, the extension steps aside: datasets show an
empty SOP status, CKAN's own permission labels and auth rules apply, the
extension's pages answer 503 and its actions a ``NotMigrated`` error, and a
sysadmin sees a banner naming the command to run.

The check is cheap: the first call compares the database's revision (the
``sopsektoral_alembic_version`` table) with the scripts' head; once they
match, the answer is kept for the life of the process. While they do not, it
is checked again at most every ``RECHECK_SECONDS``, so that running the
upgrade heals a running portal without a restart. A process never keeps
"ready" before it has seen the database at the head.
"""
from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

log = logging.getLogger(__name__)

PLUGIN = "sopsektoral"
MIGRATION_DIR = os.path.join(os.path.dirname(__file__), "migration", PLUGIN)
# The table env.py gives alembic (f"{PLUGIN}_alembic_version").
VERSION_TABLE = f"{PLUGIN}_alembic_version"
# How long a "not ready" answer is kept before the database is asked again.
RECHECK_SECONDS = 5.0

_lock = threading.Lock()
_ready = False
_checked_at: float | None = None
_warned = False


@functools.cache
def heads() -> frozenset[str]:
    """The head revision(s) of the plugin's migration scripts (read once)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(MIGRATION_DIR).get_heads())


def database_revisions() -> frozenset[str] | None:
    """The revisions the database records for the plugin; None where it has
    no version table (the migrations were never run). Read on a connection of
    its own, so that it never touches the session's transaction."""
    with model.meta.engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass(:name)"), {"name": VERSION_TABLE}).scalar() is None:
            return None
        return frozenset(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def ready() -> bool:
    """Whether the plugin's tables are at the head of its migrations."""
    global _ready, _checked_at, _warned
    if _ready:
        return True
    with _lock:
        if _ready:
            return True
        now = time.monotonic()
        if _checked_at is not None and now - _checked_at < RECHECK_SECONDS:
            return False
        _checked_at = now
        current = database_revisions()
        if current == heads():
            _ready = True
            if _warned:
                log.warning("ckanext-sopsektoral: the database is now at the head of its migrations")
            return True
        if not _warned:
            _warned = True
            log.warning(
                "ckanext-sopsektoral: the database is at revision %s, the plugin's migrations at %s. "
                "Until `%s` is run, the extension's pages and actions are unavailable and datasets "
                "show no SOP status.",
                ", ".join(sorted(current)) if current else "none", ", ".join(sorted(heads())), command(),
            )
        return False


def reset() -> None:
    """Forget what was seen (for a process that changed the plugin's database
    itself, e.g. a test that downgraded it); the next call asks the database."""
    global _ready, _checked_at, _warned
    with _lock:
        _ready, _checked_at, _warned = False, None, False


def command(config_path: str | None = None) -> str:
    """The command that brings the plugin's database to the head, naming this
    portal's config file (or ``config_path``, e.g. a placeholder)."""
    ini = config_path or tk.config.get("__file__") or "/etc/ckan/default/ckan.ini"
    return f"ckan -c {ini} db upgrade -p {PLUGIN}"


def public_command() -> str:
    """The command, without this server's file path (for pages anyone sees)."""
    return command("<ini>")


def message() -> str:
    return tk._(
        "The database tables of ckanext-sopsektoral are missing or out of date. "
        "A system administrator has to run: {command}"
    ).format(command=public_command())


class NotMigrated(tk.ValidationError):
    """What the extension's actions raise while its database is not at the head
    (the action API answers it as a 409 validation error)."""

    def __init__(self) -> None:
        super().__init__({PLUGIN: [message()]})


# ---------------------------------------------------------------- the gates

def guard_actions(actions: dict[str, Any]) -> dict[str, Any]:
    """The plugin's actions, gated: ``sopsektoral_*`` raise NotMigrated while
    the database is not ready; chained core actions call the core action
    alone, as if the extension were not there."""
    return {name: _guard_action(fn) for name, fn in actions.items()}


def _guard_action(fn: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(fn, "chained_action", False):
        @functools.wraps(fn)
        def chained(up_func: Any, context: Any, data_dict: Any, *args: Any, **kwargs: Any) -> Any:
            if not ready():
                return up_func(context, data_dict, *args, **kwargs)
            return fn(up_func, context, data_dict, *args, **kwargs)
        return chained

    @functools.wraps(fn)
    def action(context: Any, data_dict: Any, *args: Any, **kwargs: Any) -> Any:
        if not ready():
            raise NotMigrated()
        return fn(context, data_dict, *args, **kwargs)
    return action


def guard_auth_functions(functions: dict[str, Any]) -> dict[str, Any]:
    """The plugin's auth functions, gated: ``sopsektoral_*`` refuse while the
    database is not ready; chained core auth functions leave the decision to
    CKAN's own."""
    return {name: _guard_auth(fn) for name, fn in functions.items()}


def _guard_auth(fn: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(fn, "chained_auth_function", False):
        @functools.wraps(fn)
        def chained(next_auth: Any, context: Any, data_dict: Any) -> Any:
            if not ready():
                return next_auth(context, data_dict)
            return fn(next_auth, context, data_dict)
        return chained

    @functools.wraps(fn)
    def auth(context: Any, data_dict: Any) -> Any:
        if not ready():
            return {"success": False, "msg": message()}
        return fn(context, data_dict)
    return auth
