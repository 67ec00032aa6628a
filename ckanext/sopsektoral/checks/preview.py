"""What the workbench shows of a table without downloading it."""
from __future__ import annotations

from typing import Any

from ckanext.sopsektoral.checks.messages import stored
from ckanext.sopsektoral.checks.tables import PREVIEW_ROWS, Table

# What is kept of each table for the preview (the first PREVIEW_ROWS rows are kept as it is read).
PREVIEW_TABLES = 10
PREVIEW_COLUMNS = 30
PREVIEW_CELL_CHARS = 200


def _clip(text: str) -> str:
    return text if len(text) <= PREVIEW_CELL_CHARS else text[:PREVIEW_CELL_CHARS - 1] + "…"


def preview(table: Table) -> dict[str, Any]:
    """What the workbench shows of a table without downloading it: its header,
    first rows and row count (cells and columns capped)."""
    header = table.raw_header or table.header
    return {
        "resource_id": table.resource_id,
        "name": table.name,
        "format": table.format.upper(),
        "sheet": table.sheet,
        "header": [_clip(h) for h in header[:PREVIEW_COLUMNS]],
        "rows": [[_clip(c) for c in row[:PREVIEW_COLUMNS]] for row in table.first_rows[:PREVIEW_ROWS]],
        "row_count": table.row_count,
        "column_count": len(header),
        "error": stored(table.error) if table.error is not None else None,
    }
