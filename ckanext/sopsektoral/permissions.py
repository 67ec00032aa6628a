"""Who finds which dataset in search (IPermissionLabels).

Datasets a letter asks for carry one more label, ``sopsektoral-walidata``,
which Diskominfo officers hold: they find every OPD's datasets under
collection or verification, while OPD operators find only their own
organization's (CKAN's member labels) and the public nothing private.
While the plugin's database is not migrated, CKAN's labels alone apply.
"""
from __future__ import annotations

from typing import Any

from ckan import model
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.sopsektoral import collection, readiness, workflow

WALIDATA_LABEL = "sopsektoral-walidata"


class PermissionLabels(DefaultPermissionLabels):
    def get_dataset_labels(self, dataset_obj: model.Package) -> list[str]:
        labels = super().get_dataset_labels(dataset_obj)
        if dataset_obj.private and readiness.ready() and collection.in_workflow(dataset_obj.id):
            labels.append(WALIDATA_LABEL)
        return labels

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        labels = super().get_user_dataset_labels(user_obj)
        if user_obj is not None and getattr(user_obj, "id", None) and workflow.is_officer(user_obj):
            labels.append(WALIDATA_LABEL)
        return labels
