"""Power modes of a miner model: the efficiency table, interpolated, and its checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from planner.domain.examples import one_site
from planner.domain.fleet import fleet_from_dict, read_catalog
from planner.domain.power_modes import machine_shares
from planner.errors import ConfigError


def test_the_catalog_s19j_pro_table_interpolated_by_hand() -> None:
    model = one_site(power_modes=True).models["s19j-pro"]
    assert model.curve_names == ("off", "-8 steps", "-4 steps", "-2 steps", "nameplate")
    # 2,000 W lies between -8 steps (1,651.1 W, 63.30 TH/s) and -4 steps (2,267.1 W, 81.65):
    # 63.30 + (2000 - 1651.1) / 616.0 x 18.35 = 73.693 TH/s, 27.14 J/TH (nameplate 29.5).
    assert model.hashrate_share(2000.0 / 2950.0) * 100.0 == pytest.approx(73.693, abs=1e-3)
    assert model.efficiency_j_per_th_at(2000.0) == pytest.approx(2000.0 / 73.693, abs=1e-3)
    assert model.efficiency_j_per_th_at(1651.1) == pytest.approx(26.084, abs=1e-3)
    assert model.efficiency_j_per_th_at(2950.0) == pytest.approx(29.5)
    # Below the lowest mode the machines mix with off: the same J/TH as the lowest mode.
    assert model.efficiency_j_per_th_at(800.0) == pytest.approx(26.084, abs=1e-3)
    assert all(m.source for m in model.modes)
    # A model without modes is linear: half the load, half the hashrate.
    assert one_site().models["s19j-pro"].hashrate_share(0.5) == pytest.approx(0.5)


def test_machine_shares_give_the_load_and_the_table_hashrate() -> None:
    power, hashrate = one_site(power_modes=True).models["s19j-pro"].curve
    load = np.array([0.0, 0.3, 0.5597, 0.7, 0.95, 1.0])
    shares = machine_shares(load, power)
    assert shares.sum(axis=1) == pytest.approx(np.ones(len(load)))
    assert shares @ power == pytest.approx(load)
    assert shares @ hashrate == pytest.approx(np.interp(load, power, hashrate))
    # At 0.7 of nameplate power: between -8 (0.5597) and -4 (0.7685): (0.7685 - 0.7) / 0.2088
    # = 32.8 % of the machines at -8 steps, 67.2 % at -4 steps.
    assert shares[3, 1:3] == pytest.approx([0.3281, 0.6719], abs=1e-3)


def model_with(modes: list[dict[str, Any]]) -> dict[str, Any]:
    table = {k: v for k, v in read_catalog()["models"]["s19j-pro"].items() if k != "modes"}
    return {**table, "modes": modes}


def fleet_raw(modes: list[dict[str, Any]]) -> dict[str, Any]:
    raw = one_site().model_dump(by_alias=True)
    raw["models"] = {"s19j-pro": model_with(modes)}
    return raw


@pytest.mark.parametrize(
    ("modes", "message"),
    [
        (
            [{"name": "eco", "power_w": 2000.0, "hashrate_th_s": 60.0, "source": "x"}],
            "hashrate must be concave in power",
        ),
        (
            [{"name": "turbo", "power_w": 3300.0, "hashrate_th_s": 105.0, "source": "x"}],
            "mode 'turbo': power_w must be > 0 and < the nameplate 2950 W, got 3300",
        ),
        (
            [{"name": "sleep", "power_w": 15.0, "hashrate_th_s": 0.0, "source": "x"}],
            "mode 'sleep': a mode that does not hash must draw 0 W, got 15",
        ),
        (
            [{"name": "eco", "power_w": 2000.0, "hashrate_th_s": 80.0}],
            "source",
        ),
    ],
)
def test_bad_modes_are_one_line_naming_the_model(modes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        fleet_from_dict(fleet_raw(modes), source="fleet.toml")
    text = str(info.value)
    assert "models.s19j-pro" in text and message in text  # (2,000 W at 60 TH/s: 33.3 J/TH)
