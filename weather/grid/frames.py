"""The canonical prices and load frames: what tells them apart, their value cells, key selection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from weather.errors import FeedError

#: Columns that label rows but are neither times nor values (normalised names); they are dropped.
LABEL_COLUMNS: frozenset[str] = frozenset(
    {"event", "dst_flag", "dstflag", "repeated_hour_flag", "source", "notes", "note"}
)


@dataclass(frozen=True)
class FrameSpec:
    """What distinguishes a prices file from a load file.

    Attributes
    ----------
    kind
        Canonical frame kind, as :func:`weather.schema.validate` names it.
    key
        Index level next to ``time``: ``node`` or ``area``.
    value
        Canonical value column: ``price_usd_per_mwh`` or ``load_mw``.
    selector
        Keyword argument of the readers that selects keys: ``nodes`` or ``areas``.
    key_aliases, value_aliases
        Normalised column names a long file may use for the key and the value.
    unit
        Unit of the value, shown in errors.
    """

    kind: Literal["prices", "load"]
    key: str
    value: str
    selector: str
    key_aliases: frozenset[str]
    value_aliases: frozenset[str]
    unit: str


#: The canonical prices frame: index ``(node, time)``, column ``price_usd_per_mwh`` [USD/MWh].
PRICES_SPEC = FrameSpec(
    kind="prices",
    key="node",
    value="price_usd_per_mwh",
    selector="nodes",
    key_aliases=frozenset(
        {"node", "location", "settlement_point", "settlement_point_name", "settlementpoint", "hub"}
    ),
    value_aliases=frozenset(
        {
            "price",
            "price_usd_per_mwh",
            "lmp",
            "spp",
            "settlement_point_price",
            "settlementpointprice",
        }
    ),
    unit="USD/MWh",
)

#: The canonical load frame: index ``(area, time)``, column ``load_mw`` [MW].
LOAD_SPEC = FrameSpec(
    kind="load",
    key="area",
    value="load_mw",
    selector="areas",
    key_aliases=frozenset({"area", "zone", "weather_zone", "region", "respondent", "ba"}),
    value_aliases=frozenset({"load", "load_mw", "demand", "demand_mw", "mw", "value"}),
    unit="MW",
)


def first_true(mask: pd.Series | np.ndarray) -> int:
    """Position of the first true cell of ``mask`` (``[False, True, True]`` gives 1)."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def numeric_cells(
    values: pd.Series, column: Any, feed: str, where: Callable[[int], str] | None, unit: str
) -> pd.Series:
    """Value cells as floats: numbers stay, empty cells become ``NaN``, anything else is an error.

    Parameters
    ----------
    values
        One column's cells, numbers or text.
    column
        The column's name, for errors.
    feed
        Name used in errors.
    where
        Row position -> where that is in the source (``line 12``), for errors; ``None`` to omit.
    unit
        Unit of the values, listed in errors as the allowed values; empty for none.

    Returns
    -------
    pandas.Series
        The values as ``float``.

    Raises
    ------
    FeedError
        A cell that is neither a number nor empty, named with its column, place and the allowed
        values.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    bad = (numbers.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():
        i = first_true(bad)
        at = f" at {where(i)}" if where is not None else ""
        allowed = f"numbers [{unit}]" if unit else "numbers"
        raise FeedError(
            feed,
            f"column {column!r} has non-numeric value {text.iloc[i]!r}{at}; allowed: "
            f"{allowed}, empty for missing",
        )
    return numbers.astype(float)


def select_keys(
    frame: pd.DataFrame, key: str, wanted: Sequence[str], selector: str, feed: str
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``key`` column is one of ``wanted``.

    Raises
    ------
    FeedError
        A wanted key the frame does not have; the error lists those it has, under the name of the
        reader's ``selector`` argument (``unknown nodes ['X']; allowed: HB_NORTH, HB_WEST``).
    """
    if isinstance(wanted, str):
        wanted = [wanted]
    present = [str(k) for k in pd.unique(frame[key].to_numpy())]
    unknown = [k for k in wanted if k not in present]
    if unknown:
        raise FeedError(feed, f"unknown {selector} {unknown}; allowed: {', '.join(present)}")
    return frame[frame[key].isin(wanted)]
