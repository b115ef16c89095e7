"""The locks in requirements/ cover pyproject.toml, agree with each other and with the README.

The Makefile installs the project with --no-deps on top of the locks, so a dependency added to
pyproject.toml without `make lock` would be missing from every install: these tests say so first.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
REQ = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)")


def read_lock(name: str) -> dict[str, tuple[Version, list[str]]]:
    """Package -> (pinned version, its sha256 hashes) of one lock file."""
    text = (REQ / name).read_text(encoding="utf-8")
    pins: dict[str, tuple[Version, list[str]]] = {}
    # One entry: a `name==version [; marker] \` line, then its `--hash=...` lines.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(entry)
        if match:
            key = canonicalize_name(match.group(1))
            assert key not in pins, f"{name}: {key} pinned twice"
            pins[key] = (
                Version(match.group(2)),
                re.findall(r"--hash=sha256:([0-9a-f]{64})", entry),
            )
    return pins


LOCKS = {name: read_lock(name) for name in ("core.txt", "app.txt", "dev.txt", "build.txt")}


def requirements(texts: list[str]) -> list[Requirement]:
    return [Requirement(t) for t in texts]


CORE = requirements(PYPROJECT["project"]["dependencies"])
DEV = requirements(PYPROJECT["project"]["optional-dependencies"]["dev"])
APP = requirements(PYPROJECT["project"]["optional-dependencies"]["app"])
BUILD = requirements(PYPROJECT["build-system"]["requires"])


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_has_a_hash(lock: str) -> None:
    assert LOCKS[lock]
    for package, (_, hashes) in LOCKS[lock].items():
        assert hashes, f"requirements/{lock}: {package} has no hash"


@pytest.mark.parametrize(
    ("lock", "wanted"), [
        ("core.txt", CORE),
        ("app.txt", CORE + APP),
        ("dev.txt", CORE + DEV),
        ("build.txt", BUILD),
    ]
)
def test_lock_satisfies_pyproject(lock: str, wanted: list[Requirement]) -> None:
    pins = LOCKS[lock]
    for req in wanted:
        key = canonicalize_name(req.name)
        assert key in pins, f"requirements/{lock} lacks {req.name}: run make lock"
        assert req.specifier.contains(pins[key][0]), (
            f"requirements/{lock}: {key}=={pins[key][0]} is outside pyproject's {req}: run make lock"
        )


def test_core_lock_is_the_dev_lock_cut_down() -> None:
    core, dev = LOCKS["core.txt"], LOCKS["dev.txt"]
    assert set(core) < set(dev)
    assert {p: core[p][0] for p in core} == {p: dev[p][0] for p in core}


def test_app_lock_is_the_dev_lock_cut_down_to_core_and_streamlit() -> None:
    # The container image installs app.txt: the core and the app, none of the test tools.
    app, core, dev = LOCKS["app.txt"], LOCKS["core.txt"], LOCKS["dev.txt"]
    assert set(core) < set(app) < set(dev)
    assert "streamlit" in app and "pytest" not in app
    assert {p: app[p][0] for p in app} == {p: dev[p][0] for p in app}


def test_build_lock_pins_pip() -> None:
    assert {"pip", "setuptools", "wheel"} <= set(LOCKS["build.txt"])


def test_readme_states_the_locked_versions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Reproducible installs", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(
        r"^\| `([a-z0-9-]+)` \| ([0-9][^ |]*) \| `(\w+\.txt)` \|", section, flags=re.M
    )
    assert len(rows) >= 10
    for package, version, lock in rows:
        assert LOCKS[lock][package][0] == Version(version), (
            f"README says {package} {version}, requirements/{lock} has {LOCKS[lock][package][0]}"
        )
