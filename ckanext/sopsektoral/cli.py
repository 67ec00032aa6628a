"""``ckan sopsektoral ...`` commands."""
from __future__ import annotations

import click

import ckan.plugins.toolkit as tk

__all__ = ["sopsektoral"]


@click.group(short_help="SOP Pengumpulan Data Statistik Sektoral")
def sopsektoral() -> None:
    """Sectoral statistics collection (SOP Pengumpulan Data Statistik Sektoral)."""


@sopsektoral.command("sop")
def sop_table() -> None:
    """Print the SOP table this portal runs (steps, executors, standard times)."""
    from ckanext.sopsektoral import helpers

    result = tk.get_action("sopsektoral_sop_show")({"ignore_auth": True}, {})
    for step in [*result["steps"], result["correction"]]:
        per = " per item" if step["per_item"] else ""
        click.echo(
            f"{step['number']}. {step['key']:<20} {step['executor']:<16} "
            f"{helpers.sopsektoral_format_minutes(step['minutes'])}{per}"
        )


@sopsektoral.group()
def demo() -> None:
    """Demo data for a Balikpapan portal."""


@demo.command("load")
def demo_load() -> None:
    """Create the demo data (OPDs, officers, operators, datasets); safe to repeat."""
    from ckanext.sopsektoral import demo as demo_data

    demo_data.load(echo=lambda msg: click.secho(f"  {msg}", fg="green"))
    click.echo("")
    click.secho("Demo logins (password for all: %s)" % demo_data.DEMO_PASSWORD, bold=True)
    for user in demo_data.USERS:
        click.echo(f"  {user.name:<16} {user.role}")
