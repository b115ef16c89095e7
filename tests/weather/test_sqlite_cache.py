"""A corrupt HTTP cache file is moved aside with a warning, and the feeds carry on.

Real SQLite files in tmp_path, damaged the ways disks and crashes damage them (garbage over the
header, smashed pages in the middle), and a real local HTTP server behind the session.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pytest_httpserver import HTTPServer

from weather import http
from weather.errors import FeedError
from weather.sqlite_cache import cached_responses, corruption, move_aside

CACHE = "http_cache.sqlite"
ASIDE = re.compile(r"http_cache\.sqlite\.corrupt-\d{8}T\d{6}Z")


def fill(cache_dir: Path, httpserver: HTTPServer, n: int) -> None:
    """Cache ``n`` answers of about 2 kB each, then close the session."""
    for i in range(n):
        httpserver.expect_request(f"/v1/archive/{i}").respond_with_json({"i": i, "pad": "x" * 2000})
    session = http.make_session(cache_dir)
    for i in range(n):
        assert http.get_json(session, httpserver.url_for(f"/v1/archive/{i}"), feed="t")["i"] == i
    session.close()


def aside_files(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.iterdir() if ASIDE.fullmatch(p.name))


def test_garbage_file_is_moved_aside_on_open_with_a_warning_naming_both_paths(
    httpserver: HTTPServer, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir.mkdir()
    garbage = b"this is not an SQLite file " * 100
    (cache_dir / CACHE).write_bytes(garbage)
    httpserver.expect_request("/v1/forecast").respond_with_json({"ok": True})

    with caplog.at_level(logging.WARNING, logger="weather.sqlite_cache"):
        session = http.make_session(cache_dir)
        assert http.get_json(session, httpserver.url_for("/v1/forecast"), feed="t") == {"ok": True}
        session.close()

    (aside,) = aside_files(cache_dir)
    assert aside.read_bytes() == garbage  # kept byte for byte for inspection
    (record,) = caplog.records
    assert record.getMessage() == (
        f"HTTP cache {cache_dir / CACHE} is corrupt (file is not a database); moved it to "
        f"{aside} and started a fresh cache"
    )
    # The fresh cache works: the answer was stored and is served again without the server.
    again = http.make_session(cache_dir, offline=True)
    assert http.get_json(again, httpserver.url_for("/v1/forecast"), feed="t") == {"ok": True}
    again.close()
    assert len(httpserver.log) == 1


def test_smashed_pages_are_caught_on_open(
    httpserver: HTTPServer, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(cache_dir, httpserver, 60)  # about 30 pages of 4 kB
    data = bytearray((cache_dir / CACHE).read_bytes())
    assert len(data) > 20 * 4096
    data[4096 * 2 : 4096 * 10] = np.random.default_rng(3).bytes(4096 * 8)  # pages 3 to 10
    (cache_dir / CACHE).write_bytes(bytes(data))
    assert corruption(cache_dir / CACHE) is not None

    with caplog.at_level(logging.WARNING, logger="weather.sqlite_cache"):
        session = http.make_session(cache_dir, offline=True)
    (aside,) = aside_files(cache_dir)
    assert aside.read_bytes() == bytes(data)
    assert "is corrupt" in caplog.text and str(aside) in caplog.text
    assert cached_responses(session) == []  # a fresh, empty cache
    session.close()


def test_a_file_damaged_after_opening_is_recovered_on_first_use(
    httpserver: HTTPServer, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(cache_dir, httpserver, 3)
    session = http.make_session(cache_dir)  # opened while the file is healthy
    size = (cache_dir / CACHE).stat().st_size
    with (cache_dir / CACHE).open("r+b") as f:  # another process scribbles over it in place
        f.write(b"\x00garbage" * (size // 8))
    httpserver.expect_request("/v1/forecast").respond_with_json({"after": 1})

    with caplog.at_level(logging.WARNING, logger="weather.sqlite_cache"):
        got = http.get_json(session, httpserver.url_for("/v1/forecast"), feed="t")
        listed = cached_responses(session)
    session.close()

    assert got == {"after": 1}
    (aside,) = aside_files(cache_dir)
    assert "is corrupt" in caplog.text and str(aside) in caplog.text
    assert [r.json() for r in listed] == [{"after": 1}]  # the fresh cache holds the new answer


def test_a_healthy_cache_is_left_alone(httpserver: HTTPServer, cache_dir: Path) -> None:
    fill(cache_dir, httpserver, 5)
    before = (cache_dir / CACHE).read_bytes()
    assert corruption(cache_dir / CACHE) is None
    session = http.make_session(cache_dir, offline=True)
    assert len(cached_responses(session)) == 5
    session.close()
    assert aside_files(cache_dir) == []
    assert (cache_dir / CACHE).read_bytes() == before


def test_a_locked_cache_is_not_taken_for_a_corrupt_one(
    httpserver: HTTPServer, cache_dir: Path
) -> None:
    fill(cache_dir, httpserver, 2)
    holder = sqlite3.connect(cache_dir / CACHE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    try:
        assert corruption(cache_dir / CACHE) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert aside_files(cache_dir) == []


def test_move_aside_takes_the_journal_along_and_never_overwrites(tmp_path: Path) -> None:
    db = tmp_path / CACHE
    now = datetime(2025, 1, 14, 6, 0, 0, tzinfo=UTC)
    db.write_bytes(b"one")
    (tmp_path / f"{CACHE}-journal").write_bytes(b"journal")
    first = move_aside(db, "test", now)
    assert first.name == "http_cache.sqlite.corrupt-20250114T060000Z"
    assert (tmp_path / "http_cache.sqlite.corrupt-20250114T060000Z-journal").read_bytes() == (
        b"journal"
    )
    db.write_bytes(b"two")
    second = move_aside(db, "test", now)
    assert second.name == "http_cache.sqlite.corrupt-20250114T060000Z-1"
    assert (first.read_bytes(), second.read_bytes()) == (b"one", b"two")
    assert not db.exists() and not (tmp_path / f"{CACHE}-journal").exists()


def test_an_unusable_new_answer_gives_back_the_good_answer_it_replaced(
    httpserver: HTTPServer, cache_dir: Path
) -> None:
    url = httpserver.url_for("/v1/forecast")
    httpserver.expect_ordered_request("/v1/forecast").respond_with_json({"good": 1})
    httpserver.expect_ordered_request("/v1/forecast").respond_with_data(
        "{not json", content_type="application/json"
    )
    session = http.make_session(cache_dir)
    assert http.get_json(session, url, feed="t") == {"good": 1}
    responses = session.cache.responses  # type: ignore[attr-defined]
    (key,) = list(responses.keys())
    good = responses[key]
    good.expires = datetime(2000, 1, 1, tzinfo=UTC)  # expired: the next call asks the server
    responses[key] = good

    with pytest.raises(FeedError, match="malformed JSON"):
        http.get_json(session, url, feed="t")

    assert len(httpserver.log) == 2
    (back,) = cached_responses(session)  # the good answer, not the malformed one
    assert back.json() == {"good": 1} and back.created_at == good.created_at
    session.close()
