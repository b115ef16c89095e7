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
class _FrameSpec:
    """What distinguishes a prices file from a load file."""

    kind: Literal["prices", "load"]
    key: str  # index level next to time: node or area
    value: str  # canonical value column
    selector: str  # keyword argument that selects keys: nodes or areas
    key_aliases: frozenset[str]
    value_aliases: frozenset[str]
    unit: str


_PRICES = _FrameSpec(
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

_LOAD = _FrameSpec(
    kind="load",
    key="area",
    value="load_mw",
    selector="areas",
    key_aliases=frozenset({"area", "zone", "weather_zone", "region", "respondent", "ba"}),
    value_aliases=frozenset({"load", "load_mw", "demand", "demand_mw", "mw", "value"}),
    unit="MW",
)


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _numeric(
    values: pd.Series, column: Any, feed: str, where: Callable[[int], str] | None, unit: str
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    bad = (numbers.isna() & text.notna() & (text != "")).to_numpy()
    if bad.any():
        i = _first(bad)
        at = f" at {where(i)}" if where is not None else ""
        allowed = f"numbers [{unit}]" if unit else "numbers"
        raise FeedError(
            feed,
            f"column {column!r} has non-numeric value {text.iloc[i]!r}{at}; allowed: "
            f"{allowed}, empty for missing",
        )
    return numbers.astype(float)


def _select_keys(
    frame: pd.DataFrame, key: str, wanted: Sequence[str], selector: str, feed: str
) -> pd.DataFrame:
    if isinstance(wanted, str):
        wanted = [wanted]
    present = [str(k) for k in pd.unique(frame[key].to_numpy())]
    unknown = [k for k in wanted if k not in present]
    if unknown:
        raise FeedError(feed, f"unknown {selector} {unknown}; allowed: {', '.join(present)}")
    return frame[frame[key].isin(wanted)]
