"""Text for the report: HTML escaping, number, money and tick formatting."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import pandas as pd

#: What a missing or non-finite value shows.
MISSING = "—"
_HOUR = pd.Timedelta(hours=1)


def escape(text: object) -> str:
    """``str(text)`` safe inside HTML text and attribute values (``&``, ``<``, ``>`` and quotes
    escaped). Every piece of text on the page goes through it."""
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------------------ formatting


def format_usd(value: float, *, signed: bool = False) -> str:
    """Dollars, compact: ``$950``, ``$12.3k``, ``-$1.2M``, ``$3.4B``; ``+`` too when ``signed``.

    Parameters
    ----------
    value
        Amount [USD]; NaN gives an em dash.
    signed
        Prefix positive amounts with ``+`` (for deltas).
    """
    if not math.isfinite(value):
        return MISSING
    magnitude = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if round(magnitude / scale, 1) >= 1:
            text = f"${magnitude / scale:,.1f}{suffix}"
            break
    else:
        text = f"${magnitude:,.0f}"
        if text == "$0":
            return text
    return ("-" if value < 0 else "+" if signed else "") + text


def format_usd_exact(value: float) -> str:
    """Dollars to the cent: ``$1,234.50``, ``-$12.00`` (input [USD]; NaN gives an em dash)."""
    return (
        MISSING if not math.isfinite(value) else ("-" if value < 0 else "") + f"${abs(value):,.2f}"
    )


def format_mwh(value: float) -> str:
    """Energy with thousands separators: ``12,345 MWh`` (input [MWh])."""
    return f"{value:,.0f} MWh" if math.isfinite(value) else MISSING


def format_eh_s(value: float) -> str:
    """Hashrate to two decimals: ``3.51 EH/s``.

    Parameters
    ----------
    value
        Hashrate [EH/s]; NaN gives an em dash.
    """
    return f"{value:,.2f} EH/s" if math.isfinite(value) else MISSING


def format_pct(value: float, *, signed: bool = False) -> str:
    """A percentage to one decimal: ``97.2%``; ``+1.5%`` too when ``signed`` (input [%])."""
    return f"{value:{'+' if signed else ''},.1f}%" if math.isfinite(value) else MISSING


def format_mw(value: float) -> str:
    """Power to one decimal: ``1,250.0 MW`` (input [MW])."""
    return f"{value:,.1f} MW" if math.isfinite(value) else MISSING


# ----------------------------------------------------------------------------------------- ticks


def nice_ticks(low: float, high: float, target: int = 7) -> list[float]:
    """About ``target`` evenly spaced round values (steps 1, 2, 2.5 or 5 x 10^k) covering a range.

    Parameters
    ----------
    low, high
        Range to cover (any order); an empty range is widened by 10 % (or by 1 around zero).
    target
        Wished number of ticks; the result has between about ``target / 2`` and ``target + 1``.

    Returns
    -------
    list of float
        Ticks from at or below ``low`` to at or above ``high``.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"tick range must be finite, got {low!r}..{high!r}")
    low, high = min(low, high), max(low, high)
    if high - low <= 1e-12 * max(1.0, abs(high)):
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(target - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [float(f"{i * step:.12g}") + 0.0 for i in range(first, last + 1)]


def _decimals(step: float) -> int:
    """Decimals needed to tell ticks ``step`` apart."""
    for digits in range(13):
        scaled = abs(step) * 10**digits
        if round(scaled) >= 1 and abs(scaled - round(scaled)) < 1e-6 * scaled:
            return digits
    return 12


def number_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels with thousands separators and just enough decimals."""
    digits = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 0
    return [f"{t:,.{digits}f}" for t in ticks]


def usd_tick_labels(ticks: Sequence[float]) -> list[str]:
    """Dollar tick labels on one scale (``$0``, ``$2.5k``, ``$5.0k``), never two alike."""
    biggest = max((abs(t) for t in ticks), default=0.0)
    scale, suffix = next(
        ((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if biggest >= s), (1.0, "")
    )
    digits = _decimals((ticks[1] - ticks[0]) / scale) if len(ticks) > 1 else 0
    return [
        "$0" if t == 0 else f"{'-' if t < 0 else ''}${abs(t) / scale:,.{digits}f}{suffix}"
        for t in ticks
    ]


def time_ticks(
    start: pd.Timestamp, end: pd.Timestamp, target: int = 8
) -> tuple[list[pd.Timestamp], list[str]]:
    """Round times (hours, UTC midnights or month starts) between ``start`` and ``end``, at
    most ``target`` of them, and their labels (``Jan 15 06:00``, ``Jan 15``, ``Jan 2025``)."""
    span_h = (end - start) / _HOUR
    for step_h in ([1, 2, 3, 6, 12] if span_h < 48 else []) + [24, 48, 72, 168, 336]:
        ticks = list(pd.date_range(start.ceil(f"{step_h}h"), end, freq=f"{step_h}h"))
        if len(ticks) <= target:
            fmt = "%b %d %H:%M" if step_h < 24 else "%b %d"
            return ticks, [t.strftime(fmt) for t in ticks]
    first_month = start.normalize().replace(day=1)
    months = [t for t in pd.date_range(first_month, end, freq="MS") if t >= start]
    for step_m in (1, 2, 3, 6, 12):
        ticks = [t for t in months if (t.month - 1) % step_m == 0]
        if len(ticks) <= target or step_m == 12:
            return ticks, [t.strftime("%b %Y") for t in ticks]
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------------------------ svg pieces
