"""ckanext-sopsektoral: the SOP Pengumpulan Data Statistik Sektoral in CKAN."""
from __future__ import annotations

from typing import Any

from flask import has_request_context

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation

from ckanext.sopsektoral import access, js_translations, readiness, sop
from ckanext.sopsektoral.datasets import permissions, status
from ckanext.sopsektoral.logic import action, auth

# CKAN's option (2.10+) and its default: where a user lands after logging in.
ROUTE_AFTER_LOGIN = "ckan.auth.route_after_login"
CKAN_ROUTE_AFTER_LOGIN = "dashboard.datasets"
# CKAN's option (2.10+) and its default: the style of the avatars fetched from gravatar.com.
GRAVATAR_DEFAULT = "ckan.gravatar_default"
CKAN_GRAVATAR_DEFAULT = "identicon"


def _actions() -> dict[str, Any]:
    # Gated: while the plugin's database is not migrated (readiness.py).
    return readiness.guard_actions({name: getattr(action, name) for name in action.__all__})


def _auth_functions() -> dict[str, Any]:
    return readiness.guard_auth_functions({name: getattr(auth, name) for name in auth.__all__})


@tk.blanket.actions(_actions)
@tk.blanket.auth_functions(_auth_functions)
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.cli
@tk.blanket.config_declarations
class SopsektoralPlugin(permissions.PermissionLabels, DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITranslation)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IPermissionLabels)
    p.implements(p.IFacets, inherit=True)

    # IConfigurer

    def update_config(self, config_: CKANConfig) -> None:
        tk.add_template_directory(config_, "templates")
        tk.add_resource("assets", "sopsektoral")
        # After logging in, each user lands on their tasks (the inbox), not on CKAN's
        # dashboard, unless the portal chose another route (docs/installation.md, Options).
        if config_.get(ROUTE_AFTER_LOGIN) in (None, "", CKAN_ROUTE_AFTER_LOGIN):
            config_[ROUTE_AFTER_LOGIN] = "sopsektoral.inbox"
        # Avatars from the portal itself, not from gravatar.com: a portal without internet shows
        # no broken image (CKAN's own placeholder instead), unless the portal chose a gravatar style.
        if config_.get(GRAVATAR_DEFAULT) in (None, "", CKAN_GRAVATAR_DEFAULT):
            config_[GRAVATAR_DEFAULT] = "disabled"

    # IConfigurable

    def configure(self, config_: CKANConfig) -> None:
        # The SOP file is read and checked when the plugin loads: a portal does not start with
        # a broken one, and the error names every problem by its key (sop/loader.py).
        sop.reload()
        # The dialogs of CKAN's JavaScript, in the portal's language (js_translations.py).
        js_translations.build()

    # IPackageController

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        # The workflow's tables are the one source of the SOP status fields.
        pkg_dict.update(status.dataset_status_fields(pkg_dict["id"]))

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return status.update_index_dict(pkg_dict)

    # IFacets

    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        facets_dict["tahun_data"] = tk._("Data year")
        # The SOP status is internal: offered to officers and sysadmins.
        if has_request_context() and access.for_request().sees_every_opd():
            facets_dict["sop_status"] = tk._("SOP status")
            facets_dict["sop_overdue"] = tk._("Overdue")
        return facets_dict

