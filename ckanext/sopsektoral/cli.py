"""``ckan sopsektoral ...`` commands."""
from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.sopsektoral import adoption, events, notify
from ckanext.sopsektoral import demo as demo_data
from ckanext.sopsektoral.checks import run as checks
from ckanext.sopsektoral.datasets import consistency, index
from ckanext.sopsektoral.letters import pdf
from ckanext.sopsektoral.signing_cli import pki as pki_cli
from ckanext.sopsektoral.sop import cli as sop_cli

__all__ = ["sopsektoral"]


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _fail(err: Exception) -> None:
    if isinstance(err, tk.ValidationError):
        for field, messages in err.error_dict.items():
            for message in messages if isinstance(messages, list) else [messages]:
                click.secho(f"{field}: {message}", fg="red", err=True)
    else:
        click.secho(str(err), fg="red", err=True)
    sys.exit(1)


@click.group(short_help="SOP Pengumpulan Data Statistik Sektoral")
def sopsektoral() -> None:
    """Sectoral statistics collection (SOP Pengumpulan Data Statistik Sektoral)."""


sopsektoral.add_command(sop_cli.sop)
sopsektoral.add_command(pki_cli)


# ---------------------------------------------------------------- officers

@sopsektoral.group()
def officer() -> None:
    """Diskominfo officers by position."""


@officer.command("assign")
@click.argument("user")
@click.argument("position")
@click.option("--acting", type=click.Choice(["plt", "plh"]), help="held as acting (Plt./Plh.)")
@click.option("--from", "valid_from", help="first day in force (YYYY-MM-DD, default today)")
@click.option("--until", "valid_until", help="last day in force (YYYY-MM-DD)")
@click.option("--nip", help="NIP shown in the signature block")
@click.option("--rank", help="pangkat/golongan")
def officer_assign(user: str, position: str, **options: Any) -> None:
    """Assign POSITION (a position key of the SOP file: `ckan sopsektoral sop`) to USER."""
    data = {"user": user, "position": position, **{k: v for k, v in options.items() if v}}
    try:
        result = tk.get_action("sopsektoral_officer_assign")(_site_context(), data)
    except (tk.ValidationError, tk.ObjectNotFound) as err:
        _fail(err)
    click.secho(f"{result['user_name']}: {result['position_label']} from {result['valid_from']} ({result['id']})",
                fg="green")


@officer.command("list")
@click.option("--all", "include_past", is_flag=True, help="also past, future and revoked assignments")
def officer_list(include_past: bool) -> None:
    """List the position assignments."""
    rows = tk.get_action("sopsektoral_officer_list")(_site_context(), {"include_past": include_past})
    for row in rows:
        acting = f" ({row['acting'].capitalize()}.)" if row["acting"] else ""
        until = row["valid_until"] or "…"
        state = " revoked" if row["revoked"] else ""
        click.echo(f"{row['position']:<16}{acting:<8} {row['user_name']:<16} "
                   f"{row['valid_from']} – {until}{state}  {row['id']}")


@officer.command("revoke")
@click.argument("assignment_id")
def officer_revoke(assignment_id: str) -> None:
    """End the assignment ASSIGNMENT_ID now."""
    try:
        tk.get_action("sopsektoral_officer_revoke")(_site_context(), {"id": assignment_id})
    except (tk.ValidationError, tk.ObjectNotFound) as err:
        _fail(err)
    click.secho("revoked", fg="green")


# ---------------------------------------------------------------- Daftar Data

@sopsektoral.group("daftar-data")
def daftar_data_group() -> None:
    """The yearly list of required data (SK Daftar Data)."""


@daftar_data_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="only check the file")
def daftar_data_import(path: str, dry_run: bool) -> None:
    """Import a Daftar Data file (CSV or XLSX); nothing is imported if any row is wrong."""
    # The site user imports, through the same action as the API and the import page; the event
    # log notes that the import came from the command line.
    context = dict(_site_context(), sopsektoral_via="cli")
    with open(path, "rb") as f:
        upload = FileStorage(stream=f, filename=os.path.basename(path))
        try:
            result = tk.get_action("sopsektoral_daftar_data_import")(
                context, {"upload": upload, "dry_run": dry_run})
        except tk.ValidationError as err:
            rows = err.error_dict.get("rows") if isinstance(err.error_dict, dict) else None
            if not rows:
                _fail(err)
            for message in rows:
                click.secho(message, fg="red", err=True)
            click.secho(f"{len(rows)} error(s); nothing imported", fg="red", err=True)
            sys.exit(1)
    if dry_run:
        click.echo(f"dry run: {result}")
        return
    click.secho(f"imported: {result}", fg="green")


# ---------------------------------------------------------------- audit, notifications

@sopsektoral.group()
def audit() -> None:
    """The hash-chained event log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the event log; report the first altered or missing entry."""
    result = events.verify_event_log(model.Session)
    if result.ok:
        click.secho(f"event log intact: {result.checked} entries", fg="green")
        return
    click.secho(f"event log broken: {result.problem} (after {result.checked} good entries)", fg="red", err=True)
    sys.exit(2)


@sopsektoral.command("notify")
def notify_pending() -> None:
    """Send the e-mail notifications still pending (run it from cron)."""
    try:
        sent = notify.send()
    except RuntimeError as err:
        click.secho(str(err), fg="yellow", err=True)
        sys.exit(1)
    click.echo(f"sent {sent} notification(s)")


@sopsektoral.command("letter-pdf")
@click.argument("letter_ids", nargs=-1)
def letter_pdf(letter_ids: tuple[str, ...]) -> None:
    """Render, sign and store the PDF of signed letters whose background job did not run (all
    that lack it, or LETTER_IDS). Running it again does nothing more."""
    ids = list(letter_ids) or pdf.pending()
    failed = 0
    for letter_id in ids:
        document = pdf.produce(letter_id)
        if document is None:
            click.secho(f"{letter_id}: not a signed letter", fg="yellow", err=True)
            failed += 1
        elif document.error:
            click.secho(f"{letter_id}: not signed: {document.error}", fg="yellow", err=True)
            failed += 1
        else:
            kind = "signed" if document.signed_pdf is not None else "approved, awaiting its signed upload"
            click.echo(f"{letter_id}: {kind}")
    click.echo(f"{len(ids) - failed} of {len(ids)} letter PDF(s) in place")
    if failed:
        sys.exit(1)


@sopsektoral.command("refresh-index")
def refresh_index() -> None:
    """Reindex datasets whose SOP status changed with time alone (a deadline
    passed, verification opened), so that the search facets agree (run it from cron)."""
    with click.progressbar(length=1, label="checking the search index") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        refreshed = index.refresh_index(progress)
    click.echo(f"reindexed {len(refreshed)} dataset(s)")


@sopsektoral.group("checks")
def checks_group() -> None:
    """The automatic checks of submitted data (run by background jobs)."""


@checks_group.command("rerun")
@click.option("--older-than", "minutes", type=int, default=30, show_default=True,
              help="minutes since the submission after which pending checks count as lost")
def checks_rerun(minutes: int) -> None:
    """Run, in this process, the checks still pending or running long after
    their submission: their job was lost (a worker died). Run it from cron."""
    lost = checks.stalled(minutes)
    outcomes: dict[str, int] = {}
    with click.progressbar(lost, label=f"{len(lost)} submission(s) with lost checks") as bar:
        for item_id, key in bar:
            outcome = checks.run_job(item_id, key)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "nothing to do")


@sopsektoral.group("index")
def index_group() -> None:
    """The search index and the SOP status."""


@index_group.command("check")
@click.option("--fix", is_flag=True, help="reindex the datasets that disagree, then check them again")
def index_check(fix: bool) -> None:
    """Compare, for every dataset in the workflow, the SOP status that
    package_show, the search index and sopsektoral_status_show report; print
    each disagreement and exit 1 when there is one (after --fix: one left)."""
    ids = consistency.workflow_dataset_ids()
    with click.progressbar(length=max(len(ids), 1), label=f"checking {len(ids)} dataset(s)") as bar:
        found = consistency.disagreements(ids, lambda done, total: bar.update(1))
    for disagreement in found:
        click.echo(str(disagreement))
    if found and fix:
        fixed = consistency.fix(found)
        click.echo(f"reindexed {len(fixed)} dataset(s)")
        found = consistency.disagreements(fixed)
        for disagreement in found:
            click.secho(f"still: {disagreement}", fg="red")
    if found:
        click.secho(f"{len(found)} disagreement(s)", fg="red", err=True)
        sys.exit(1)
    click.echo(f"{len(ids)} dataset(s): package_show, the search index and status_show agree")


# ---------------------------------------------------------------- demo

@sopsektoral.group()
def demo() -> None:
    """Demo data for a Balikpapan portal."""


@demo.command("load")
def demo_load() -> None:
    """Create the demo data (OPDs, officers, operators, Daftar Data, letters); safe to repeat."""
    demo_data.load(echo=lambda msg: click.secho(f"  {msg}", fg="green"))
    click.echo("")
    click.secho(f"Demo logins (password for all: {demo_data.DEMO_PASSWORD})", bold=True)
    for user in demo_data.users():
        click.echo(f"  {user.name:<16} {user.role}")


# ---------------------------------------------------------------- existing datasets

@sopsektoral.command("adopt")
@click.option("--apply", "apply_changes", is_flag=True,
              help="fill the defaults listed (and reindex those datasets); without it nothing changes")
@click.option("--normalise", is_flag=True,
              help="with --apply, also write the listed 'change' and 'remove' findings")
@click.option("--organization", "-o", help="only the datasets of this organization (name or id)")
@click.option("--json", "as_json", is_flag=True, help="print the review as JSON lines")
def adopt(apply_changes: bool, normalise: bool, organization: str | None, as_json: bool) -> None:
    """Review the portal's existing datasets against the sectoral-statistics
    schema: what each lacks for the SOP, which values the schema would not
    accept today (kept as they are), and what --apply changes: the defaults of
    required fields (klasifikasi_akses). With --normalise, --apply also writes
    legacy values that stand for one of the choices in the choice's form
    ("Tahunan" -> "tahunan") and removes empty extras of schema fields.
    Nothing else of a dataset is touched."""
    if normalise and not apply_changes:
        _fail(click.UsageError("--normalise goes with --apply"))
    schema = adoption.dataset_schema()
    total = changed = lacking = kept = normalisable = 0
    try:
        packages = list(adoption.datasets(organization))
    except tk.ObjectNotFound as err:
        _fail(err)
    for package in packages:
        total += 1
        found = adoption.review(package, schema)
        lacking += bool(found.lacks)
        kept += bool(found.keep)
        changed += bool(found.changes(normalise))
        normalisable += bool(found.changes(True)) and not found.changes(normalise)
        done = adoption.apply(found, normalise) if apply_changes else False
        if as_json:
            click.echo(json.dumps({**found.as_dict(), "applied": done}))
        elif found.changes(True) or found.keep or found.lacks or found.other_extras:
            click.echo("\n".join(found.lines()))
    if as_json:
        return
    verb = "changed" if apply_changes else "would change (run with --apply)"
    click.echo(
        f"{total} dataset(s): {changed} {verb}; {normalisable} more with --normalise; "
        f"{kept} keep values the schema would not accept today; {lacking} lack fields of the data standard"
    )
