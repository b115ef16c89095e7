"""Text for the report: HTML escaping, number and money formatting."""

from __future__ import annotations

import html
import math

#: What a missing or non-finite value shows.
MISSING = "—"


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
