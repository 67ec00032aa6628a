"""``ckan sopsektoral pki ...``: the demo/test certificate authority (pki.py)."""
from __future__ import annotations

import click

from ckanext.sopsektoral import pki as pki_module

__all__ = ["pki"]


def _officer(value: str) -> dict[str, str | None]:
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise click.BadParameter(f"{value!r}: expected USER:Full Name[:NIP]", param_hint="--officer")
    return {"user_name": parts[0], "name": parts[1], "nip": parts[2] if len(parts) == 3 and parts[2] else None}


@click.group(short_help="Demo certificate authority for signing letters (not for production)")
def pki() -> None:
    """A demo certificate authority and officers' PKCS#12 files, for tests and the demo.

    In production the certificates come from BSrE; never use these for real letters."""


@pki.command("demo")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--passphrase", required=True, help="passphrase of the PKCS#12 files")
@click.option("--officer", "officers", multiple=True, metavar="USER:Full Name:NIP",
              help="an officer (CKAN user name, name on the certificate, optional NIP); repeatable")
@click.option("--organization", default=pki_module.DEFAULT_ORGANIZATION, show_default=True,
              help="the office named on the certificates")
def pki_demo(directory: str, passphrase: str, officers: tuple[str, ...], organization: str) -> None:
    """Create the CA and a PKCS#12 file per officer in DIRECTORY (existing files are kept)."""
    paths = pki_module.demo_pki(directory, [_officer(o) for o in officers], passphrase, organization=organization)
    click.echo(f"CA (ckanext.sopsektoral.signing.trust_roots): {paths.pop('ca')}")
    for user_name, path in paths.items():
        click.echo(f"{user_name}: {path}")
    click.echo(f"ckanext.sopsektoral.signing.pkcs12_dir = {directory}")


@pki.command("issue")
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("user")
@click.argument("name")
@click.option("--passphrase", required=True, help="passphrase of the PKCS#12 file")
@click.option("--nip", help="NIP (the certificate's subject serialNumber)")
@click.option("--organization", default=pki_module.DEFAULT_ORGANIZATION, show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=730, show_default=True, help="validity in days")
@click.option("--overwrite", is_flag=True, help="replace an existing file of USER")
def pki_issue(directory: str, user: str, name: str, passphrase: str, nip: str | None, organization: str,
              days: int, overwrite: bool) -> None:
    """Issue USER's PKCS#12 file for NAME by the CA of DIRECTORY (created when missing)."""
    try:
        path = pki_module.issue_pkcs12(directory, user, name, passphrase, organization=organization, nip=nip,
                                       days=days, overwrite=overwrite)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="USER") from err
    click.echo(str(path))
