"""The page's colours: one per strategy for every chart, and the ramps of the risk map and the
curtailment heat map."""

from __future__ import annotations

import itertools

from planner.surfaces.app.inputs import PLAN

__all__ = ["COLOURS", "HEAT_STOPS", "RISK_STOPS", "Stops", "ramp"]

#: One colour per strategy, shared by every chart (Okabe-Ito, colour-blind safe).
COLOURS: dict[str, str] = {"run-through": "#999999", "strike": "#E69F00", PLAN: "#0072B2"}

Stops = tuple[tuple[float, tuple[int, int, int]], ...]
#: Risk colours: green (0, best) through amber to red (1, worst).
RISK_STOPS: Stops = ((0.0, (26, 152, 80)), (0.5, (254, 196, 79)), (1.0, (215, 48, 39)))
#: Curtailment colours: white (0, runs) through orange to dark orange (1, all held off).
HEAT_STOPS: Stops = ((0.0, (255, 255, 255)), (0.5, (253, 174, 107)), (1.0, (166, 54, 3)))


def ramp(share: float, stops: Stops = RISK_STOPS) -> str:
    """The colour at ``share`` in [0, 1] along ``stops``, as ``#rrggbb``."""
    share = min(max(share, 0.0), 1.0)
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if share <= b:
            t = 0.0 if b == a else (share - a) / (b - a)
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*stops[-1][1])
