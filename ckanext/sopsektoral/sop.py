"""The SOP "Pengumpulan Data Statistik Sektoral" (490/383/M/DISKOMINFO) as data.

This table is the single source of the steps, who executes them and how long
they may take. The workflow, the auth functions, the deadlines, the pages and
the documentation all read it; a deployment can change the standard times in
config (``ckanext.sopsektoral.step.<key>.minutes``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import ckan.plugins.toolkit as tk

from ckanext.sopsektoral import config

# Positions (jabatan) in Diskominfo, in the order of the SOP's columns.
KEPALA_DINAS = "kepala_dinas"
SEKRETARIS = "sekretaris"
KEPALA_BIDANG = "kepala_bidang"
KEPALA_SEKSI = "kepala_seksi"
STAF_STATISTIK = "staf_statistik"

POSITIONS: tuple[str, ...] = (
    KEPALA_DINAS,
    SEKRETARIS,
    KEPALA_BIDANG,
    KEPALA_SEKSI,
    STAF_STATISTIK,
)

MINUTE = 1
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY


@dataclasses.dataclass(frozen=True)
class Step:
    """One row of the SOP table."""

    number: int
    key: str
    executor: str
    minutes: int
    inputs: tuple[str, ...]
    output: str
    note: str = ""
    per_item: bool = False

    @property
    def standard_time(self) -> dt.timedelta:
        """The standard time, as configured for this deployment."""
        return dt.timedelta(minutes=config.step_minutes(self.key, self.minutes))

    def deadline(self, start: dt.datetime, items: int = 1) -> dt.datetime:
        """When this step is due if it starts at ``start``."""
        return start + self.standard_time * (max(items, 1) if self.per_item else 1)


# The collection SOP, step by step (flowchart: one executor column per step).
STEPS: tuple[Step, ...] = (
    Step(1, "draft", KEPALA_SEKSI, 30 * MINUTE,
         ("PC lengkap", "ATK", "SK Daftar Data"),
         "draft surat permintaan data statistik OPD"),
    Step(2, "initial_kabid", KEPALA_BIDANG, 5 * MINUTE,
         ("draft surat",),
         "draft surat yang sudah diparaf"),
    Step(3, "initial_sekretaris", SEKRETARIS, 5 * MINUTE,
         ("draft surat",),
         "draft surat yang sudah diparaf"),
    Step(4, "sign", KEPALA_DINAS, 5 * MINUTE,
         ("draft surat yang sudah diparaf",),
         "surat yang sudah ditandatangani"),
    Step(5, "collect", STAF_STATISTIK, WEEK,
         ("PC lengkap", "akses internet"),
         "data statistik OPD di portal",
         note="1 minggu per data", per_item=True),
    Step(6, "verify", STAF_STATISTIK, 90 * DAY,
         ("PC lengkap", "akses internet", "data statistik OPD di portal"),
         "data statistik OPD telah diverifikasi",
         note="dilakukan ketika semua data sudah terkumpul"),
)

# The processing SOP (490/385/M/DISKOMINFO) adds the correction loop.
CORRECTION = Step(7, "correct", STAF_STATISTIK, 2 * WEEK,
                  ("data yang dikembalikan",),
                  "data statistik OPD yang telah diperbaiki")

STEPS_BY_KEY: dict[str, Step] = {s.key: s for s in (*STEPS, CORRECTION)}


def step(key: str) -> Step:
    return STEPS_BY_KEY[key]


def position_label(position: str) -> str:
    """The position's name in the user's language."""
    labels = {
        KEPALA_DINAS: tk._("Head of Department"),
        SEKRETARIS: tk._("Secretary"),
        KEPALA_BIDANG: tk._("Head of Information and Communication Division"),
        KEPALA_SEKSI: tk._("Head of Statistics Section"),
        STAF_STATISTIK: tk._("Statistics Staff"),
    }
    return labels[position]


def step_label(key: str) -> str:
    """What the step is, in the user's language."""
    labels = {
        "draft": tk._("Draft the data-request letter from the SK Daftar Data"),
        "initial_kabid": tk._("Initial (paraf) the draft"),
        "initial_sekretaris": tk._("Initial (paraf) the draft"),
        "sign": tk._("Sign the letter"),
        "collect": tk._("Collect each OPD's data through the portal"),
        "verify": tk._("Verify the data, once all of it is collected"),
        "correct": tk._("Correct returned data"),
    }
    return labels[key]
