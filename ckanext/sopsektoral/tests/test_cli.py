"""`ckan sopsektoral refresh-index`: the search index catches up with time."""
from __future__ import annotations

import datetime as dt

import pytest

from ckan import model
from ckan.tests.helpers import call_action

from ckanext.sopsektoral.cli import sopsektoral
from ckanext.sopsektoral.datasets import index
from ckanext.sopsektoral.model import Letter, LetterItem
from ckanext.sopsektoral.model.base import utcnow
from ckanext.sopsektoral.tests.helpers import by_title, submit_all

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


def _overdue_in_index() -> set[str]:
    found = call_action("package_search", include_private=True, fq='sop_overdue:"true"', rows=100)
    return {d["id"] for d in found["results"]}


def test_datasets_that_became_overdue_are_reindexed(cast, sent, cli):
    item = by_title(sent["id"], "Puskesmas")
    assert index.stale_in_index() == []
    # A week passes: the deadline is behind us, though no transition reindexed the dataset.
    model.Session.query(LetterItem).filter_by(id=item["id"]).update(
        {"deadline": utcnow() - dt.timedelta(hours=1)})
    model.Session.commit()
    assert call_action("package_show", id=item["dataset_id"])["sop_overdue"] is True
    assert _overdue_in_index() == set()
    assert index.stale_in_index() == [item["dataset_id"]]

    result = cli.invoke(sopsektoral, ["refresh-index"])
    assert result.exit_code == 0, result.output
    assert "reindexed 1 dataset(s)" in result.output
    assert _overdue_in_index() == {item["dataset_id"]}
    again = cli.invoke(sopsektoral, ["refresh-index"])
    assert "reindexed 0 dataset(s)" in again.output


def test_verification_opening_when_collection_closes_is_reindexed(cast, sent, cli):
    submit_all(cast, sent["id"], skip={by_title(sent["id"], "Trayek")["id"]})
    puskesmas = by_title(sent["id"], "Puskesmas")
    found = call_action("package_search", include_private=True, fq="sop_status:submitted -sop_deadline:[* TO *]")
    assert found["count"] == 2  # verification has not opened: no deadline yet
    # The collection window closes with one item still missing: verification opens.
    model.Session.query(LetterItem).filter_by(letter_id=sent["id"]).update(
        {"deadline": utcnow() - dt.timedelta(minutes=1)})
    model.Session.commit()
    assert model.Session.get(Letter, sent["id"]).all_submitted_at is None
    assert puskesmas["dataset_id"] in index.stale_in_index()

    result = cli.invoke(sopsektoral, ["refresh-index"])
    assert result.exit_code == 0, result.output
    found = call_action("package_search", include_private=True, fq="sop_status:submitted -sop_deadline:[* TO *]")
    assert found["count"] == 0
    assert _overdue_in_index() == {by_title(sent["id"], "Trayek")["dataset_id"]}
    # Caught up: submitted items whose verification runs are not reindexed at every run.
    assert "reindexed 0 dataset(s)" in cli.invoke(sopsektoral, ["refresh-index"]).output
