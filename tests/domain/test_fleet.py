"""Fleet files: the demo loads; each kind of bad file gives one precise error; the CLI prints it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import planner
from planner.domain.fleet import load_fleet, parse_fleet
from planner.errors import ConfigError
from planner.surfaces.cli import main

DEMO_TOML = (Path(planner.__file__).parent / "domain" / "demo_fleet.toml").read_text(
    encoding="utf-8"
)


def test_demo_fleet_is_six_sites_of_300_to_600_mw() -> None:
    fleet = planner.demo_fleet()
    assert len(fleet.sites) == 6
    capacity = sum(s.capacity_mw for s in fleet.sites)
    assert 300 <= capacity <= 600  # 150 + 160 + 70 + 60 + 55 + 50 = 545
    assert capacity == 545
    kinds = {s.id: s.contract.kind for s in fleet.sites}
    assert kinds["west-texas"] == "index" and kinds["rockdale"] == "ppa"
    assert fleet.site("rockdale").cooling == "hydro"
    assert {r.from_site for r in fleet.routes} <= set(fleet.site_ids)


def test_installed_power_by_hand() -> None:
    # west-texas: 20,000 S19j Pro x 2,950 W + 20,000 S21 x 3,500 W = 59 + 70 = 129 MW IT.
    fleet = planner.demo_fleet()
    assert fleet.installed_power_mw(fleet.site("west-texas")) == pytest.approx(129.0)
    # 20,000 x 100 TH/s + 20,000 x 200 TH/s = 6,000,000 TH/s = 6 EH/s.
    assert fleet.installed_hashrate_th_s(fleet.site("west-texas")) == pytest.approx(6e6)


def test_catalog_nameplate_efficiencies() -> None:
    models = planner.demo_fleet().models
    expected = {"s19j-pro": 29.5, "s19-xp": 21.5, "s21": 17.5, "s21-pro": 15.0, "s21-xp": 13.5}
    for model_id, j_per_th in expected.items():
        assert models[model_id].efficiency_j_per_th == pytest.approx(j_per_th, abs=0.01)
    assert models["s19"].hashrate_th_s == 95 and models["s19"].power_w == 3250


def test_air_derate_throttles_above_40_and_trips_in_mid_40s() -> None:
    air = planner.demo_fleet().cooling["air"]
    derate = air.derate([30.0, 40.0, 41.0, 44.0, 46.0])
    # 41 degC sits halfway between (40, 1.0) and (42, 0.85): 0.925.
    assert derate.tolist() == pytest.approx([1.0, 1.0, 0.925, 0.55, 0.0])


def _bad(old: str, new: str) -> str:
    assert old in DEMO_TOML, old
    return DEMO_TOML.replace(old, new, 1)


# Sites in file order: 0 west-texas, 1 rockdale, 2 georgia, 3 north-dakota, 4 quebec, 5 new-york.
BAD_FILES = {
    "toml syntax": (
        _bad("capacity_mw = 70.0", "capacity_mw = = 70.0"),
        ["TOML syntax error", "line 55"],
    ),
    "missing key": (
        _bad("capacity_mw = 70.0\n", ""),
        ["sites[2].capacity_mw", "required key is missing"],
    ),
    "wrong type": (
        _bad("capacity_mw = 70.0", 'capacity_mw = "lots"'),
        ["sites[2].capacity_mw", "must be a number", "'lots'"],
    ),
    "negative capacity": (
        _bad("capacity_mw = 70.0", "capacity_mw = -5"),
        ["sites[2].capacity_mw: must be in (0, 5000], got -5"],
    ),
    "unknown model": (
        _bad('"s21-pro" = 15000', '"s21pro" = 15000'),
        ["sites[3].machines.s21pro", "unknown miner model", "did you mean 's21-pro'?"],
    ),
    "overfull site": (
        _bad("capacity_mw = 60.0", "capacity_mw = 50.0"),
        # 15,000 S21 Pro x 3,510 W = 52.65 MW x 1.05 = 55.3 MW > 50 MW.
        ["sites[3].capacity_mw", "55.3 MW", "must be <= capacity_mw 50"],
    ),
    "route to unknown site": (
        _bad('to = "new-york"', 'to = "new-yrok"'),
        ["routes[5].to: unknown site 'new-yrok'", "known: west-texas"],
    ),
    "bad timezone": (
        _bad("America/Toronto", "Canada/Quebecc"),
        ["sites[4].timezone", "IANA time zone", "'Canada/Quebecc'"],
    ),
    "bad contract kind": (
        _bad('kind = "tariff"', 'kind = "fixed"'),
        ["sites[4].contract", "kind must be one of index, ppa, hosting, tariff", "'fixed'"],
    ),
    "key of another contract kind": (
        _bad("adder_usd_per_mwh = 6.0", "adder_usd_per_mwh = 6.0, price_usd_per_mwh = 3"),
        ["sites[3].contract.price_usd_per_mwh: unknown key", "allowed: adder_usd_per_mwh, kind"],
    ),
    "ppa above capacity": (
        _bad("contracted_mw = 140.0", "contracted_mw = 400.0"),
        ["sites[1].contract.contracted_mw: must be <= capacity_mw (160), got 400"],
    ),
    "too many machines for slots": (
        _bad("slots = 18000", "slots = 100"),
        ["sites[3].slots: 15000 machines installed, must be <= slots 100"],
    ),
    "latitude out of range": (
        _bad("latitude = 46.91", "latitude = 146.91"),
        ["sites[3].latitude: must be in [-90, 90], got 146.91"],
    ),
    "hydro model at an air site": (
        _bad('"s21-pro" = 15000', '"s21-hyd" = 100'),
        ["sites[3].machines.s21-hyd", "hydro-cooled model cannot run at a air-cooled site"],
    ),
    # Strict types: nothing is converted from another type (docs/fleet.md, Types).
    "string for a number": (
        _bad("capacity_mw = 150.0", 'capacity_mw = "100"'),
        ["sites[0].capacity_mw: must be a number in (0, 5000], got '100'"],
    ),
    "fraction for a count": (
        _bad("slots = 45000", "slots = 45000.0"),
        ["sites[0].slots: must be a whole number >= 0, got 45000.0"],
    ),
    "number for true or false": (
        _bad("sell_back = true", "sell_back = 1"),
        ["sites[1].contract.sell_back: must be true or false, got 1"],
    ),
    "date for a string": (
        _bad('node = "HB_WEST"', "node = 2025-01-01"),
        ["sites[0].grid.node: must be a string, got datetime.date(2025, 1, 1)"],
    ),
    "array for the models table": (
        _bad('name = "Demo', 'models = [1, 2]\nname = "Demo'),
        ["models: must be a table, got [1, 2]"],
    ),
    "array for a table": (
        _bad('machines = { "s19j-pro" = 20000, "s21" = 20000 }', "machines = [1, 2]"),
        ["sites[0].machines: must be a table, got [1, 2]"],
    ),
    "string for a count": (
        _bad('"s21" = 20000', '"s21" = "20000"'),
        ["sites[0].machines.s21: must be a whole number >= 0, got '20000'"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_fleet_file_names_file_key_path_and_rule(case: str, tmp_path: Path) -> None:
    text, fragments = BAD_FILES[case]
    path = tmp_path / "fleet.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_fleet(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("case", ["unknown model", "toml syntax", "overfull site"])
def test_cli_prints_fleet_error_as_one_line_exit_1(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(BAD_FILES[case][0], encoding="utf-8")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")
    assert "Traceback" not in err


def test_cli_subprocess_bad_fleet_exit_1_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(BAD_FILES["unknown model"][0], encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.surfaces.cli",
            "demo",
            "--fleet",
            str(path),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "did you mean 's21-pro'?" in proc.stderr
    assert not (tmp_path / "kpis.csv").exists()


def test_whole_numbers_stand_for_numbers_and_arrays_for_tuples() -> None:
    # Strict types still take 150 where a number is expected (TOML has two number types).
    fleet = parse_fleet(_bad("capacity_mw = 150.0", "capacity_mw = 150"))
    assert fleet.site("west-texas").capacity_mw == 150.0
    assert isinstance(fleet.site("west-texas").capacity_mw, float)
    assert fleet.site("west-texas").programs.demand_response[0].committed_mw == 40.0
    curve = ((40.0, 1.0), (42.0, 0.85), (44.0, 0.55), (45.0, 0.0))  # catalog.toml, [cooling.air]
    assert fleet.cooling["air"].derate_curve == curve


def _every_site_empty(text: str) -> str:
    return re.sub(r"^machines = \{.*\}$", "machines = {}", text, flags=re.M)


def test_a_fleet_without_any_machine_is_refused_naming_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = _every_site_empty(DEMO_TOML)
    assert empty.count("machines = {}") == 6
    zero = empty.replace("machines = {}", 'machines = { "s21" = 0 }', 1)
    rule = (
        "sites[*].machines: no site has any machine; install at least one "
        "(a site with none is a spare site, a relocation target)"
    )
    for name, text in (("empty.toml", empty), ("zero.toml", zero)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_fleet(path)
        assert str(info.value) == f"{path}: {rule}"
        for argv in (["check", str(path)], ["simulate", "-f", str(path)]):
            assert main(argv) == 1
            assert capsys.readouterr().err == f"error: {path}: {rule}\n"


def test_one_spare_site_without_machines_is_fine(tmp_path: Path) -> None:
    # Only the last site (new-york) is emptied: it is a spare site, a relocation target.
    lines = DEMO_TOML.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("machines = "))
    lines[last] = "machines = {}"
    fleet = parse_fleet("\n".join(lines))
    assert fleet.site("new-york").machines == {}
    assert fleet.installed_power_mw(fleet.site("new-york")) == 0.0


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read fleet file"):
        load_fleet(tmp_path / "nope.toml")


def test_fleet_file_can_extend_the_catalog() -> None:
    text = DEMO_TOML + (
        '\n[models.custom]\nname = "Custom"\nhashrate_th_s = 10.0\npower_w = 100.0\n'
        'cooling = ["air"]\nannual_failure_rate = 0.1\ncold_start_minutes = 5.0\n'
    )
    fleet = parse_fleet(text)
    assert fleet.models["custom"].efficiency_j_per_th == 10.0
    assert "s19" in fleet.models  # the packaged catalog is still there


def test_models_are_frozen() -> None:
    site = planner.demo_fleet().sites[0]
    with pytest.raises(Exception, match="frozen"):
        site.capacity_mw = 1.0  # type: ignore[misc]
