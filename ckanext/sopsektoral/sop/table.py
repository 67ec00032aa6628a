"""The SOP as tables (Markdown): docs/sop.md and `ckan sopsektoral sop validate` print it."""
from __future__ import annotations

import datetime as dt

from .model import Sop, Step


def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    for size, unit in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour")):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{minutes} minutes"


def _executors(step: Step | None) -> str:
    return ", ".join(f"`{p}`" for p in step.executors) if step else "—"


def markdown(sop: Sop, lang: str = "en") -> str:
    """The SOP's positions, steps, letter states, transitions and rights."""
    out = [
        f"{sop.title.get(lang)}, {sop.office.get(lang)} ({sop.number}).",
        "",
        "## Positions",
        "",
        "| Position (key) | Name | Holders at once |",
        "|---|---|---|",
    ]
    for p in sop.positions:
        out.append(f"| `{p.key}` | {p.name.get(lang)} | {'several' if p.several else 'one'} |")
    out += [
        "",
        "## Steps",
        "",
        "| No | Step (key) | What | Executor (position) | Standard time | Output |",
        "|---|---|---|---|---|---|",
    ]
    for step in (*sop.table[: 1 + len(sop.approvals)], sop.sending, *sop.table[1 + len(sop.approvals):]):
        per = ""
        if step is sop.collection:
            per = " per data item" if step.per_item else " per letter"
        out.append(f"| {step.number or '—'} | `{step.key}` | {step.label.get(lang)} | {_executors(step)} | "
                   f"{duration(step.time)}{per} | {step.output.get(lang) if step.output else ''} |")
    for related_number, title in sop.related:
        out += ["", f"Related: {title.get(lang)} ({related_number})."]
    out += [
        "",
        "## Request letter states",
        "",
        "A letter waits in each state on the executors of one step; the state's deadline is the",
        "time it entered the state plus that step's standard time, and the letter is overdue after it.",
        "",
        "| State | Waits on step | Position acting next |",
        "|---|---|---|",
    ]
    for state in sop.letter_states:
        step = sop.waiting_on(state)
        out.append(f"| `{state}` | {f'`{step.key}`' if step else '—'} | {_executors(step)} |")
    out += [
        "",
        "## Transitions",
        "",
        "Each transition is done by the executors of the step the letter waits on (or a sysadmin),",
        "only from the states listed; sending by the sending step's executors, and withdrawing a",
        "letter that awaits approval back to draft (`withdraw`) by the drafting step's executors.",
        "Approvals (`initial`, `sign`, `return`) are never done by the letter's drafter; a return or",
        "a withdrawal voids the initials given so far. Each transition is atomic and appends one",
        "entry to the hash-chained event log.",
        "",
        "| Transition | From → to | Executor |",
        "|---|---|---|",
    ]
    for name, moves in sop.transitions().items():
        for source, target in moves.items():
            executors = ", ".join(f"`{p}`" for p in sorted(sop.transition_executors(name, source)))
            out.append(f"| `{name}` | `{source}` → `{target}` | {executors} |")
    out += [
        "",
        "## Rights",
        "",
        "| Right | Positions |",
        "|---|---|",
        f"| draft, edit, submit and cancel letters | {_executors(sop.drafting)} |",
        f"| send a signed letter | {_executors(sop.sending)} |",
        f"| verify or return a data item | {_executors(sop.verification)} |",
    ]
    for right, words in (("import_daftar_data", "import the Daftar Data"),
                         ("claim", "claim a data item for verification"),
                         ("assign", "assign a data item to another verifier"),
                         ("publish", "publish a verified dataset")):
        out.append(f"| {words} | {', '.join(f'`{p}`' for p in sop.rights[right])} |")
    subject = sop.default_subject.get(lang).replace("{year}", "<year>")
    out += ["", f"Letter number: `{sop.number_pattern}` (for example {sop.letter_number(1, 2026)}), "
            f"given when the letter is signed; a new letter is drafted as \"{subject}\"."]
    return "\n".join(out) + "\n"
