from __future__ import annotations

import pytest


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Every clean database carries the plugin's tables (from its migrations)."""
    reset_db()
    migrate_db_for("sopsektoral")


@pytest.fixture
def clean_queues():
    """Empty every jobs queue (CKAN 2.10 has no such fixture; 2.11+ do the same)."""
    import rq

    from ckan.lib.redis import connect_to_redis

    connection = connect_to_redis()
    for queue in rq.Queue.all(connection=connection):
        queue.empty()
        queue.delete()
