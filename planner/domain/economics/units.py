"""Unit conversions (names say what they convert): the only place the planner writes them."""

SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 168.0
HOURS_PER_YEAR = 8760.0
H_PER_TH = 1e12
H_PER_EH = 1e18
TH_PER_EH = 1e6
MWH_PER_J = 1.0 / 3.6e9
KWH_PER_MWH = 1_000.0
KW_PER_MW = 1_000.0
