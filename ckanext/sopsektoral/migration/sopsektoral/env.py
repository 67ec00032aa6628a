"""Alembic environment of the sopsektoral plugin.

The plugin keeps its own version table (``sopsektoral_alembic_version``) and
autogenerate only looks at tables whose names start with ``sopsektoral_``.
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from ckan.model.meta import metadata

PLUGIN = os.path.basename(os.path.dirname(__file__))
VERSION_TABLE = f"{PLUGIN}_alembic_version"

alembic_config = context.config
if alembic_config.config_file_name:
    # Keep the loggers of the process that migrates (CKAN's, ours) working.
    fileConfig(alembic_config.config_file_name, disable_existing_loggers=False)


def _own_tables_only(obj, name, type_, reflected, compare_to):
    return type_ != "table" or name.startswith(f"{PLUGIN}_")


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=_own_tables_only,
        **kwargs,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _configure(url=alembic_config.get_main_option("sqlalchemy.url"), literal_binds=True)
else:
    engine = engine_from_config(
        alembic_config.get_section(alembic_config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _configure(connection=connection)
