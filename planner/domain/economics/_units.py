"""Unit conversions of the economics (names say what they convert)."""

_SECONDS_PER_DAY = 86_400.0
_HOURS_PER_DAY = 24.0
_H_PER_TH = 1e12
_H_PER_EH = 1e18
_MWH_PER_J = 1.0 / 3.6e9
_KWH_PER_MWH = 1_000.0
_KW_PER_MW = 1_000.0
