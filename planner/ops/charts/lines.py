"""Fleet figures of each strategy's central run over time: daily mean hashrate and cumulative
profit, one line per strategy in its fixed colour."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from planner.ops.charts.theme import strategy_scale, styled

__all__ = [
    "cumulative_profit_chart",
    "daily_hashrate_chart",
    "fleet_cumulative_profit",
    "fleet_daily_hashrate",
]


def _fleet_total(ledger: pd.DataFrame, column: str) -> pd.Series:
    """``column`` summed over sites per time (UTC), in time order."""
    times = pd.DatetimeIndex(ledger.index.get_level_values("time")).tz_convert("UTC")
    return ledger[column].groupby(times).sum().sort_index()


def fleet_daily_hashrate(ledgers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Daily mean fleet hashrate per strategy: ``strategy``, ``day`` (UTC), ``hashrate_eh_s``.

    Hourly hashrate [TH/s] is summed over sites, then averaged over the ledger's hours in each
    UTC day (a partial day over the hours it has).

    Parameters
    ----------
    ledgers
        Strategy -> hourly ledger, index ``(site_id, time)``, column ``hashrate_th_s`` [TH/s].
    """
    parts = []
    for name, ledger in ledgers.items():
        daily = _fleet_total(ledger, "hashrate_th_s").resample("D").mean().dropna() / 1e6
        parts.append(pd.DataFrame({"strategy": name, "day": daily.index, "hashrate_eh_s": daily}))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["strategy", "day", "hashrate_eh_s"])
    )


def fleet_cumulative_profit(ledgers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Fleet profit accumulated from the horizon's start per strategy: ``strategy``, ``time``
    (interval end; 0 at the first start), ``profit_usd`` [USD].

    Parameters
    ----------
    ledgers
        Strategy -> hourly ledger, index ``(site_id, time)``, column ``profit_usd``
        [USD per interval].
    """
    parts = []
    for name, ledger in ledgers.items():
        profit = _fleet_total(ledger, "profit_usd")
        if profit.empty:
            continue
        times = pd.DatetimeIndex(profit.index)
        step = times.to_series().diff().min() if len(times) > 1 else pd.Timedelta(hours=1)
        ends = pd.DatetimeIndex([times[0], *(times + step)])
        values = [0.0, *profit.cumsum().to_numpy()]
        parts.append(pd.DataFrame({"strategy": name, "time": ends, "profit_usd": values}))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["strategy", "time", "profit_usd"])
    )


def _lines(
    frame: pd.DataFrame, x: str, x_title: str, y: str, y_title: str, y_format: str
) -> alt.Chart:
    names = list(dict.fromkeys(frame["strategy"]))
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=25))
        .encode(
            x=alt.X(
                f"{x}:T",
                title=x_title,
                axis=alt.Axis(format="%b %d", labelAngle=0, tickCount="day"),
            ),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color(
                "strategy:N",
                scale=strategy_scale(names),
                legend=alt.Legend(title="strategy", orient="bottom", symbolType="stroke"),
            ),
            tooltip=[
                alt.Tooltip("strategy:N"),
                alt.Tooltip(f"{x}:T", title=x_title, format="%b %d %H:%M"),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",.2f" if "eh" in y else "$,.0f"),
            ],
        )
    )


def daily_hashrate_chart(frame: pd.DataFrame, *, width: int | str = 860) -> alt.Chart:
    """Daily mean fleet hashrate per strategy (:func:`fleet_daily_hashrate`).

    Parameters
    ----------
    frame
        :func:`fleet_daily_hashrate`.
    width
        Plot width [px].
    """
    chart = _lines(frame, "day", "day (UTC)", "hashrate_eh_s", "fleet hashrate [EH/s]", ",.1f")
    return styled(chart.properties(width=width, height=300))


def cumulative_profit_chart(frame: pd.DataFrame, *, width: int | str = 860) -> alt.Chart:
    """Cumulative fleet profit per strategy (:func:`fleet_cumulative_profit`).

    Parameters
    ----------
    frame
        :func:`fleet_cumulative_profit`.
    width
        Plot width [px].
    """
    chart = _lines(frame, "time", "time (UTC)", "profit_usd", "cumulative profit [USD]", "$~s")
    chart = chart.mark_line(strokeWidth=2.5)
    return styled(chart.properties(width=width, height=300))
