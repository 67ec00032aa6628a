"""Messages of CKAN and ckanext-scheming that the portal's users meet, translated by this plugin.

CKAN's Indonesian catalogue leaves many of its validation messages untranslated
("Value must be one of {}", "Organization does not exist") or translates them
awkwardly ("Integer cacat", "Nilai hilang"). An OPD operator meets them on the
dataset form (the fields of our scheming schema) and an API client in the
errors of CKAN's actions. They are marked here so that extraction puts them in
this plugin's catalogue: CKAN merges each ITranslation plugin's catalogue over
its own, so the translation here is the one shown, while a portal's own
translation plugin loaded after this one still has the last word
(docs/development.md, "Translations").
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the name babel's extraction looks for
    """Mark ``message`` for extraction without translating it here."""
    return message


CKAN_VALIDATION_MESSAGES = (
    # ckan/lib/navl/validators.py
    N_("Missing value"),
    N_("The input field %(name)s was not expected."),
    # ckan/logic/validators.py
    N_("Invalid integer"),
    N_("Please enter an integer value"),
    N_("Must be a natural number"),
    N_("Must be a positive integer"),
    N_("Date format incorrect"),
    N_("Time format incorrect"),
    N_("Date is required when a time is provided"),
    N_("Not found"),
    N_("Value must be one of {}"),
    N_("Email {email} is not a valid format"),
    N_("Please provide a valid URL"),
    N_("That URL is already in use."),
    N_("Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"),
    N_("Must be at least %s characters long"),
    N_("Name must be at least %s characters long"),
    N_("Name must be a maximum of %i characters long"),
    N_("Version must be a maximum of %i characters long"),
    N_("Organization does not exist"),
    N_("An organization must be provided"),
    N_("You cannot add a dataset to this organization"),
    N_("You cannot move this dataset to another organization"),
    N_("Datasets with no organization can't be private."),
    N_("Not a list"),
    N_("Not a string"),
    N_("Must be a Unicode string value"),
    N_("Could not parse the value as a valid JSON object"),
    N_("The value should be a valid JSON object"),
    N_("Cannot change value of key from %s to %s. This key is read-only"),
    N_("Dataset id already exists"),
    N_("Resource id already exists."),
    # ckanext/scheming/validation.py
    N_('unexpected choice "%s"'),
    N_("Select at least one"),
)
