"""Read back a table rendered by rich: its header names and each row's cells."""

from __future__ import annotations


def table_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header names and each row's cells, their wrapped lines joined with spaces.

    A row starts at a line whose first cell is filled; the lines after it continue its cells.
    """
    lines = text.splitlines()
    body = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    header_lines = [line.split("┃")[1:-1] for line in lines[1:body]]
    headers = [
        " ".join(part[i].strip() for part in header_lines).strip()
        for i in range(len(header_lines[0]))
    ]
    rows: list[list[str]] = []
    for line in lines[body + 1 :]:
        if line.startswith("└"):
            break
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells[0]:
            rows.append(cells)
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return headers, rows
