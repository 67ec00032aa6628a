"""`ckan sopsektoral sop ...`: check an SOP file and show the SOP this portal runs."""
from __future__ import annotations

import sys

import click

from . import current, load, table
from .loader import SopError


@click.group(short_help="Check and show the SOP file", invoke_without_command=True)
@click.pass_context
def sop(ctx: click.Context) -> None:
    """The SOP file (positions, approval chain, steps, rights): docs/sop-config.md.
    Without a command: print the SOP this portal runs."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(show)


@sop.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", show_default=True)
def validate(path: str, lang: str) -> None:
    """Check the SOP file PATH; print its tables, or every problem with the key it concerns."""
    try:
        found = load(path)
    except SopError as err:
        click.echo(f"{path}: {len(err.problems)} problem(s)", err=True)
        for problem in err.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(table.markdown(found, lang), nl=False)
    click.echo(f"\n{path}: valid", err=True)


@sop.command("show")
@click.option("--lang", type=click.Choice(["en", "id"]), default="en", show_default=True)
def show(lang: str) -> None:
    """Print the SOP this portal runs (ckanext.sopsektoral.sop_file)."""
    found = current()
    click.echo(f"SOP file: {found.path}\n")
    click.echo(table.markdown(found, lang), nl=False)
