"""Small HTML pieces shared by the report's sections and charts: table cells, swatches,
tables, and the note that stands in for a section or chart with nothing to show."""

from __future__ import annotations

from collections.abc import Sequence

from planner.ops.report.format import escape

__all__ = ["empty_note", "swatch", "table_html", "td"]


def td(text: str, *, num: bool = False, title: str = "", css: str = "") -> str:
    """One escaped ``<td>``; ``num`` right-aligns it, ``title`` adds a tooltip."""
    classes = " ".join(c for c in ("num" if num else "", css) if c)
    cls = f' class="{classes}"' if classes else ""
    tip = f' title="{escape(title)}"' if title else ""
    return f"<td{cls}{tip}>{escape(text)}</td>"


def swatch(colour: str) -> str:
    """A small colour square placed before a strategy name."""
    return f'<span class="swatch" style="background:{colour}"></span>'


def table_html(
    table_id: str, heads: Sequence[str], rows: Sequence[str], *, numeric_from: int = 99
) -> str:
    """A wrapped ``<table>`` with one header row; columns from ``numeric_from`` are numeric.

    ``rows`` are ready ``<tr>...</tr>`` strings.
    """
    num = ' class="num"'
    head = "".join(
        f'<th scope="col"{num if i >= numeric_from else ""}>{escape(h)}</th>'
        for i, h in enumerate(heads)
    )
    return (
        f'<div class="table-wrap"><table id="{escape(table_id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def empty_note(message: str) -> str:
    """The one-line ``<p class="empty">`` that says why a section or chart shows nothing."""
    return f'<p class="empty">{escape(message)}</p>'
