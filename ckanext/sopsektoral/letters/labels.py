"""What a letter's states and transitions are called, in the user's language.

The waiting states of the approval chain are named in the SOP file; the states every letter has
(draft, signed, sent, cancelled) and the transitions are the extension's own words."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import sop


def state_label(state: str) -> str:
    fixed = {
        sop.DRAFT: tk._("Draft"),
        sop.SIGNED: tk._("Signed"),
        sop.SENT: tk._("Sent to the OPDs"),
        sop.CANCELLED: tk._("Cancelled"),
    }
    if state in fixed:
        return fixed[state]
    step = sop.current().waiting_on(state)
    return sop.text(step.state_label) if step is not None and step.state_label else state


def transition_label(name: str) -> str:
    labels = {
        "create": tk._("Created"),
        "update": tk._("Edited"),
        "submit": tk._("Submitted for initials"),
        "initial": tk._("Initialled (paraf)"),
        "sign": tk._("Signed"),
        "return": tk._("Returned to draft"),
        "withdraw": tk._("Withdrawn to draft"),
        "cancel": tk._("Cancelled"),
        "send": tk._("Sent to the OPDs"),
        "item_submit": tk._("Submitted"),
        "item_return": tk._("Returned for correction"),
        "item_verify": tk._("Verified"),
        "item_claim": tk._("Claimed"),
        "item_publish": tk._("Published"),
        "daftar_data_import": tk._("Daftar Data imported"),
        "daftar_data_update": tk._("Daftar Data entry corrected"),
        "daftar_data_delete": tk._("Daftar Data entry deleted"),
        "officer_assign": tk._("Position assigned"),
        "officer_revoke": tk._("Position assignment revoked"),
    }
    return labels.get(name, name)
