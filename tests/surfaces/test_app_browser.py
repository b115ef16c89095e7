"""The app in a real browser: ``streamlit run app.py`` on a free localhost port, driven by
playwright through Debian's Chromium.

It loads the demo, moves the BTC price slider, runs the optimizer and checks that the KPIs
changed and no exception is shown; then uploads a bad fleet file and checks that the error names
its key path. Screenshots go to ``tests/artifacts/`` (git-ignored) and their paths are printed.
The server and the browser are stopped at the end, even on failure; every wait is bounded.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 60.0
PAGE_TIMEOUT_MS = 60_000
METRIC = '[data-testid="stMetricValue"]'

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One headless Streamlit server on a free localhost port for the module (each page is a
    session of its own; the server's caches are shared); yields its URL."""
    tmp_path = tmp_path_factory.mktemp("app")
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    env = {**os.environ, "PLANNER_DATA_DIR": str(tmp_path / "data")}
    options = {
        "server.port": str(port),
        "server.address": "127.0.0.1",  # local only; it also skips Streamlit's external-IP lookup
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "streamlit", "run", str(ROOT / "app.py")),
            *(part for name, value in options.items() for part in (f"--{name}", value)),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{(tmp_path / 'streamlit.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        _stop(process)
        log.close()


def _bad_fleet(path: Path) -> Path:
    text = files("planner.domain").joinpath("demo_fleet.toml").read_text(encoding="utf-8")
    path.write_text(re.sub(r"capacity_mw\s*=\s*[0-9.]+", "capacity_mw = -5", text, count=1))
    return path


def _shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    print(f"screenshot: {path}")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module; each test opens its own pages."""
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.slow
def test_demo_what_if_in_a_real_browser(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(server)
        page.get_by_text("Plan ready in").wait_for()
        page.locator(METRIC).nth(3).wait_for()  # the KPI row is drawn after the status
        before = page.locator(METRIC).first.inner_text()  # waits for it, as a re-render may not
        assert before.startswith("$"), before

        # BTC price shock: five steps of 5 % to the left, -25 %.
        slider = page.get_by_role("slider", name="BTC price shock [%]")
        assert slider.input_value() == "0"
        slider.focus()
        for _ in range(5):
            slider.press("ArrowLeft")
        assert slider.input_value() == "-25"
        page.get_by_role("button", name="Run optimizer").click()
        page.wait_for_function(
            "([selector, old]) => {"
            "  const v = document.querySelector(selector);"
            "  return v !== null && v.innerText !== old; }",
            arg=[METRIC, before],
        )
        page.get_by_text("Plan ready in").wait_for()
        page.locator(METRIC).nth(3).wait_for()
        after = page.locator(METRIC).first.inner_text()
        assert after != before, (before, after)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        _shot(page, "app_whatif.png")

        # Infeasible: a floor at nameplate (five scenarios keep the diagnosis short).
        page.get_by_text("Horizon, scenarios and feeds").click()
        scenarios = page.get_by_role("slider", name="Scenarios")
        scenarios.focus()
        scenarios.press("ArrowLeft")
        assert scenarios.input_value() == "5"
        floor = page.get_by_role("slider", name="Hashrate floor [% of nameplate]")
        floor.focus()
        floor.press("End")
        assert floor.input_value() == "100"
        page.get_by_role("button", name="Run optimizer").click()
        infeasible = page.get_by_text("No plan for these settings.")
        infeasible.wait_for(state="visible")
        assert "hashrate_floor" in infeasible.inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        _shot(page, "app_infeasible.png")

        # A bad fleet file: the page says which key is wrong, no traceback.
        page.get_by_text("Upload TOML").click()
        page.locator('input[type="file"]').set_input_files(_bad_fleet(tmp_path / "bad.toml"))
        error = page.get_by_text("sites[0].capacity_mw: must be in (0, 5000], got -5")
        error.wait_for(state="visible")
        assert "bad.toml" in error.inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        _shot(page, "app_bad_upload.png")
    finally:
        page.close()


# The page's blocks, top to bottom, that are not the summary (the title comes before it).
_BLOCKS = (
    '[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:visible, '
    '[data-testid="stMainBlockContainer"] [data-testid="stExpander"]:visible'
)


def _first_after_title(page: Any) -> None:
    """The summary is the first thing on the page under its title, inside the viewport."""
    summary = page.locator(".st-key-summary")
    summary.get_by_text("Next actions").wait_for()
    box = summary.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (box, width)
    title = page.get_by_role("heading", name="Mining fleet what-if planner").bounding_box()
    assert title["y"] < box["y"] < title["y"] + title["height"] + 80, (title, box)
    above = [
        b
        for b in (e.bounding_box() for e in page.locator(_BLOCKS).all())
        if b is not None
        and b["height"] > 0
        and b["y"] + b["height"] <= box["y"] + 0.5
        and b["y"] > title["y"] + title["height"] - 0.5
    ]
    assert above == [], above  # nothing between the title and the summary
    headline = summary.locator("h3").first.inner_text()
    assert headline.startswith(("Run ", "Keep ")), headline
    # No sideways scrolling, no developer chrome.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_role("button", name="Deploy").count() == 0


def test_the_summary_comes_first_on_a_desktop_and_a_phone(server: str, browser: Any) -> None:
    for width, height, name in ((1400, 1000, "desktop"), (390, 844, "phone")):
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(server)
            page.get_by_text("Plan ready in").wait_for()
            _first_after_title(page)
            # Then one view at a time: every view can be picked within the screen's width.
            views = page.locator('[data-testid="stButtonGroup"] button').filter(
                has_text=re.compile(r"\w")
            )  # the view names (not the help icon)
            views.nth(10).wait_for()  # the view picker renders after the summary, under load late
            assert views.count() == 11
            for k in range(views.count()):
                b = views.nth(k).bounding_box()
                assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= width, (k, b)
            views.filter(has_text="Hashrate").click()
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
            assert page.locator(METRIC).count() == 0  # the key figures left with their view
            _first_after_title(page)
            _shot(page, f"app_summary_{name}.png")
        finally:
            page.close()


def test_every_strategy_can_be_chosen(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(server)
        page.get_by_text("Plan ready in").wait_for()
        picker = page.locator('[data-testid="stMultiSelect"]')
        picker.wait_for()
        offered = []
        while True:  # pick, one by one, what the list still offers until nothing is left
            picker.locator("input").click()
            options = page.locator('[role="option"]').filter(has_not_text="Select all")
            if options.count() == 0 or "No results" in options.first.inner_text():
                page.keyboard.press("Escape")
                break
            offered.append(options.first.inner_text())
            options.first.click()
            page.keyboard.press("Escape")
        assert sorted(offered) == sorted(
            [
                "protective",
                "4cp",
                "strike+4cp",
                "strike+4cp+protective",
                "optimized+4cp",
                "optimized+protective",
            ]
        )  # the four picked by default are already in
        page.get_by_role("button", name="Run optimizer").click()
        page.get_by_text("Plan ready in").wait_for()
        page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Map & risk").click()
        page.locator(".st-key-map_strategy input").click()
        judged = page.locator('[role="option"]').all_inner_texts()
        assert len(judged) == 10, judged  # every strategy judged, strike at the page's strike
        assert page.locator('[data-testid="stException"]').count() == 0
        _shot(page, "app_every_strategy.png")
    finally:
        page.close()


LONG_RUN_MS = 900_000  # 14 days x 40 scenarios on a shared machine: feeds, model, judging


@pytest.mark.slow
def test_largest_settings_show_a_plan_or_the_fallback_never_a_blank_page(
    server: str, browser: Any
) -> None:
    # 14 days x 40 scenarios with a 1 s time limit: the optimizer cannot finish, and the page
    # shows the strike rule's plan (or the best plan found) with its note, every KPI drawn. The
    # status box names the stage it is in while the work goes on.
    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(server)
        page.get_by_text("Plan ready in").wait_for()

        page.get_by_text("Horizon, scenarios and feeds").click()
        page.get_by_role("radiogroup", name="Horizon [days]").get_by_text("14").click()
        scenarios = page.get_by_role("slider", name="Scenarios")
        scenarios.focus()
        scenarios.press("End")
        assert scenarios.input_value() == "40"
        limit = page.get_by_role("slider", name="Time limit [s]")
        limit.focus()
        limit.press("Home")
        assert limit.get_attribute("aria-valuetext") == "1"
        page.get_by_role("button", name="Run optimizer").click()

        # The stage is on the status box while the 14-day, 40-scenario model is built.
        page.get_by_text("Step 3 of 4, plan").first.wait_for(timeout=LONG_RUN_MS)
        page.get_by_text("Plan ready in").wait_for(timeout=LONG_RUN_MS)
        page.locator(METRIC).nth(4).wait_for()
        notice = page.locator('[data-testid="stAlertContentWarning"]').first
        notice.wait_for(state="visible")
        assert notice.inner_text().startswith("Optimizer hit its 1 s time limit"), (
            notice.inner_text()
        )
        # inner_text waits for the figure: all_inner_texts() read none once, mid re-render
        profit = page.locator(METRIC).first.inner_text()
        assert profit.startswith("$") and profit != "$0", profit
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        _shot(page, "app_time_limit.png")
    finally:
        page.close()


@pytest.mark.slow
def test_the_action_schedule_downloads_and_parses_in_a_real_browser(
    server: str, browser: Any, tmp_path: Path
) -> None:
    import icalendar
    import pandas as pd

    page = browser.new_page(viewport={"width": 1400, "height": 1900}, accept_downloads=True)
    try:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(server)
        page.get_by_text("Plan ready in").wait_for()
        page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Actions").click()
        files = {}
        for label, name in (
            ("Action schedule (CSV)", "actions.csv"),
            ("Action schedule (iCalendar)", "actions.ics"),
        ):
            with page.expect_download() as caught:
                page.get_by_role("button", name=label).click()
            download = caught.value
            assert download.suggested_filename == name
            files[name] = tmp_path / name
            download.save_as(files[name])
        _shot(page, "app_actions.png")
    finally:
        page.close()
    actions = pd.read_csv(files["actions.csv"])
    assert {"site_id", "action", "local_start", "market_start", "reason"} <= set(actions.columns)
    assert len(actions) > 0 and actions["reason"].str.len().min() > 0
    calendar = icalendar.Calendar.from_ical(files["actions.ics"].read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(actions)
    assert [str(e["summary"]).split(": ")[1].split(" (")[0] for e in events] == list(
        actions["action"]
    )
