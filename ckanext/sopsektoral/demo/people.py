"""The demo's users: a sysadmin, officials for every position of the SOP file, OPD operators."""
from __future__ import annotations

import dataclasses
import os
import zlib

import yaml

from ckanext.sopsektoral import sop

OFFICIALS_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "demo", "officials.yaml")


@dataclasses.dataclass(frozen=True)
class DemoUser:
    name: str
    fullname: str
    position: str | None = None
    acting: str | None = None
    nip: str | None = None
    rank: str | None = None
    opd: str | None = None
    sysadmin: bool = False

    @property
    def role(self) -> str:
        if self.sysadmin:
            return "sysadmin"
        if self.position:
            label = sop.position_label(self.position)
            return f"{self.acting.capitalize()}. {label}" if self.acting else label
        return f"operator {self.opd}"


OPERATORS: tuple[DemoUser, ...] = (
    DemoUser("op-dinkes", "Operator Dinas Kesehatan", opd="dinas-kesehatan"),
    DemoUser("op-disdikbud", "Operator Disdikbud", opd="dinas-pendidikan-dan-kebudayaan"),
    DemoUser("op-disdukcapil", "Operator Disdukcapil", opd="dinas-kependudukan-dan-pencatatan-sipil"),
    DemoUser("op-dpu", "Operator Dinas Pekerjaan Umum", opd="dinas-pekerjaan-umum"),
    DemoUser("op-dlh", "Operator Dinas Lingkungan Hidup", opd="dinas-lingkungan-hidup"),
)


def _generated(position: sop.Position) -> list[DemoUser]:
    """Officials for a position the officials file does not list: its key as login, a NIP made
    from the key (18 digits, stable between runs)."""
    base = position.key.replace("_", "-")
    names = [f"{base}-1", f"{base}-2"] if position.several else [base]
    digits = f"{zlib.crc32(position.key.encode()):010d}"
    return [DemoUser(name, f"{position.name.id} {i + 1}" if position.several else position.name.id,
                     position.key, nip=f"19800101{digits[:8]}{i + 1:02d}"[:18])
            for i, name in enumerate(names)]


def officials() -> list[DemoUser]:
    with open(OFFICIALS_FILE, encoding="utf-8") as f:
        listed = yaml.safe_load(f) or {}
    out = []
    for position in sop.current().positions:
        rows = listed.get(position.key)
        if rows:
            out += [DemoUser(position=position.key, **row) for row in rows]
        else:
            out += _generated(position)
    return out


def users() -> list[DemoUser]:
    """Everyone the demo creates, for the SOP this portal runs."""
    return [DemoUser("admin", "Admin Portal", sysadmin=True), *officials(), *OPERATORS]


def holders(positions: tuple[str, ...] | frozenset[str]) -> list[str]:
    """The demo logins holding one of ``positions``, in the order of ``positions`` given as a
    tuple (the SOP file's order of a step's executors)."""
    people = officials()
    order = list(positions)
    return [u.name for p in order for u in people if u.position == p]


def one_of(step: sop.Step, nth: int = 0) -> str:
    """A demo login that executes ``step`` (the ``nth`` holder, if there are several)."""
    found = holders(step.executors)
    return found[min(nth, len(found) - 1)]


def with_right(right: str, nth: int = 0) -> str:
    current = sop.current()
    positions = current.rights.get(right) or tuple(current.holders_of(right))
    found = holders(tuple(positions))
    return found[min(nth, len(found) - 1)]


OPERATOR_OF = {user.opd: user.name for user in OPERATORS}
