"""`make docs`: the API reference builds from the docstrings with mkdocs --strict (any warning,
such as a broken cross-reference in a docstring, fails the build)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = shutil.which("mkdocs", path=str(Path(sys.executable).parent))


@pytest.mark.slow
@pytest.mark.skipif(MKDOCS is None, reason="mkdocs not installed (the docs extra)")
def test_the_docs_build_strict_with_the_api_reference(tmp_path: Path) -> None:
    assert MKDOCS is not None
    site = tmp_path / "site"
    result = subprocess.run(
        [MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr
    page = (site / "api" / "planner" / "index.html").read_text(encoding="utf-8")
    # Public names, rendered from their numpydoc docstrings with their parameter tables.
    for name in ("planner.action_schedule", "planner.concentration_risk", "planner.optimize"):
        assert f'id="{name}"' in page, name
    actions = (site / "api" / "actions" / "index.html").read_text(encoding="utf-8")
    assert "step_mw" in actions and "ACTION_COLUMNS" in actions


def test_make_docs_builds_strict() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/mkdocs build --strict" in makefile.split("\ndocs:", 1)[1].split("\n\n", 1)[0]
