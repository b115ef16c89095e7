"""Shared fixtures for the feed tests: a cached session in a temp dir, no real sleeping, data paths.

No test here touches the internet: every client is pointed at pytest-httpserver's local server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from weather import http

#: The User-Agent the test sessions send; tests assert the server saw it.
TEST_USER_AGENT = "mining-fleet-planner-tests/0.1 (contact: tests@example.com)"

#: The project's own small payloads.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
#: Real provider samples shared by the team (never copied into the repo); tests skip without them.
SHARED_FIXTURES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "weather" / "fixtures"
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real key or contact must not leak into (or change) the tests."""
    monkeypatch.delenv("OPEN_METEO_API_KEY", raising=False)
    monkeypatch.delenv("PLANNER_CONTACT", raising=False)


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits between retries instead of sleeping [s]."""
    waits: list[float] = []
    monkeypatch.setattr(http, "_sleep", waits.append)
    return waits


@pytest.fixture
def user_agent() -> str:
    return TEST_USER_AGENT


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def session(cache_dir: Path) -> Iterator[requests.Session]:
    """An online session with an SQLite cache in a fresh temp dir."""
    s = http.make_session(cache_dir, user_agent=TEST_USER_AGENT)
    yield s
    s.close()


@pytest.fixture
def load_json() -> Callable[[str], Any]:
    """Read one of the project's payloads in tests/data by file name."""

    def _load(name: str) -> Any:
        return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))

    return _load


@pytest.fixture
def shared_fixture() -> Callable[[str], Any]:
    """Read a real provider sample from the shared data dir, or skip if it is absent."""

    def _load(name: str) -> Any:
        path = SHARED_FIXTURES / name
        if not path.is_file():
            pytest.skip(f"shared fixture {path} not present")
        return json.loads(path.read_text(encoding="utf-8"))

    return _load
