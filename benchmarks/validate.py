"""``make validate``: run every validation script on the real data and write docs/validation.md.

Each ``benchmarks/validate_*.py`` that declares ``REQUIRED_DATA`` (the files it reads, relative to
the data folder) and ``TITLE`` is a validation script; it prints its results as JSON lines
(:class:`benchmarks.validate_common.Report`: ``text``, ``table``, ``figure``, ``weakness``).
Helper modules such as ``validate_common.py`` declare no ``REQUIRED_DATA`` and are not run.

The runner

1. checks that the data folder (``../shared/data`` relative to the project root, or ``--data``,
   or ``$PLANNER_VALIDATION_DATA``) holds every required file, and says which are missing;
2. runs the scripts whose files are all there, ``--jobs`` at a time, each in its own process
   (``python -m benchmarks.<script> --data DIR``), and times them;
3. writes ``docs/validation.md``: a summary of every figure against its published comparator,
   then each script's method, tables and weaknesses, with the machine, date, commit and times.

Missing data is not an error (exit 0): the message lists the files, and a document that says so is
written only where no complete one exists (a complete document carries the marker
:data:`COMPLETE`), so a fresh clone without the data never overwrites good results. A partial run
(``--only``) follows the same rule. A script
that fails makes the runner exit 1 without writing.

Usage::

    .venv/bin/python -m benchmarks.validate [--data DIR] [--out docs/validation.md]
                                            [--jobs 2] [--only storms,4cp]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/validate.py` as well as `-m benchmarks.validate`
    sys.path.insert(0, str(ROOT))

from benchmarks.validate_common import DATA_ENV, data_dir, machine_line  # noqa: E402 - path above

#: Marker of a document written from a complete run (every script ran on all its data).
COMPLETE = "<!-- validation: complete -->"
#: Marker of a document written while data was missing.
INCOMPLETE = "<!-- validation: incomplete -->"
DEFAULT_OUT = Path("docs") / "validation.md"
#: Scripts in this order first (the issue's order), then any others alphabetically.
ORDER = ("validate_storms", "validate_4cp", "validate_capture")


@dataclass(frozen=True)
class Script:
    """One validation script: its module name, title and the data files it needs."""

    name: str
    title: str
    required: tuple[str, ...]

    @property
    def short(self) -> str:
        """``storms`` for ``validate_storms``."""
        return self.name.removeprefix("validate_")


@dataclass
class Outcome:
    """What one script printed, how long it took and how it ended."""

    script: Script
    records: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    returncode: int = 0
    stderr: str = ""


def discover(folder: Path = ROOT / "benchmarks") -> list[Script]:
    """The validation scripts in ``folder`` (modules declaring ``REQUIRED_DATA``), in order."""
    names = sorted(p.stem for p in folder.glob("validate_*.py"))
    ranked = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    scripts = []
    for name in ranked:
        module = importlib.import_module(f"benchmarks.{name}")
        required = getattr(module, "REQUIRED_DATA", None)
        if required is None:
            continue
        scripts.append(Script(name, str(getattr(module, "TITLE", name)), tuple(required)))
    return scripts


def missing_by_script(scripts: Sequence[Script], data: Path) -> dict[str, list[str]]:
    """Per script name, the required files not found under ``data`` (only scripts lacking some)."""
    out = {}
    for script in scripts:
        gone = [f for f in script.required if not (data / f).is_file()]
        if gone:
            out[script.name] = gone
    return out


def run_script(script: Script, data: Path) -> Outcome:
    """Run one script in its own process and parse its JSON lines."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{script.name}", "--data", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    records = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return Outcome(script, records, seconds, proc.returncode, proc.stderr)


# ---------------------------------------------------------------------------------- Markdown


def fmt_value(value: Any, spec: str | None) -> str:
    """A table cell: ``spec`` applied to numbers, ``-`` for missing, ``|`` escaped."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec and isinstance(value, int | float):
        try:
            return format(round(value) if spec.endswith("d") else value, spec)
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value).replace("|", "\\|")


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], formats: Sequence[str | None]
) -> str:
    """A Markdown table; numeric columns (those with a format) are right-aligned."""
    head = "| " + " | ".join(c.replace("_", " ") for c in columns) + " |"
    align = "|" + "|".join("---:" if f else "---" for f in formats) + "|"
    body = [
        "| " + " | ".join(fmt_value(v, f) for v, f in zip(row, formats, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join([head, align, *body])


def figure_value(record: dict[str, Any]) -> str:
    """``value unit`` of a figure record with its format."""
    value = fmt_value(record.get("value"), record.get("fmt") or ",.1f")
    unit = record.get("unit") or ""
    return f"{value} {unit}".strip() if unit != "%" else f"{value} %"


def render(
    outcomes: Sequence[Outcome],
    *,
    missing: dict[str, list[str]],
    data: Path,
    total_seconds: float,
    jobs: int,
    generated: datetime,
    commit: str,
    only: Sequence[str] = (),
) -> str:
    """The whole of docs/validation.md (complete when nothing is missing and nothing left out)."""
    complete = not missing and not only
    lines = [
        "# Validation on real storms, 4CP and price capture",
        "",
        "<!-- generated by `make validate` (benchmarks/validate.py) from the JSON lines of "
        "benchmarks/validate_*.py; do not edit by hand -->",
        COMPLETE if complete else INCOMPLETE,
        "",
        f"**Generated** {generated:%Y-%m-%d %H:%M} UTC by `make validate` "
        f"(`.venv/bin/python -m benchmarks.validate`), code at commit `{commit}`, data from "
        f"`{_shown(data)}`.  ",
        f"**Machine:** {machine_line()}.  ",
        f"**Wall time:** {total_seconds:,.0f} s in all ({jobs} script(s) at a time; target "
        "600 s): "
        + (", ".join(f"{o.script.short} {o.seconds:,.0f} s" for o in outcomes) or "no script ran")
        + ".",
        "",
    ]
    if only:
        lines += [f"Partial run: only {', '.join(only)} (`--only`).", ""]
    if missing:
        lines += [
            "## Missing data",
            "",
            f"These files were not found under `{_shown(data)}`, so "
            "the scripts that need them did not run:",
            "",
        ]
        for name, files in missing.items():
            lines += [f"- `{name}`: " + ", ".join(f"`{f}`" for f in files)]
        lines += [""]
    figures = [r for o in outcomes for r in o.records if r.get("type") == "figure"]
    if figures:
        lines += [
            "## Summary: every figure against its published comparator",
            "",
            "| figure | ours | published | how it compares |",
            "|---|---:|---|---|",
        ]
        for r in figures:
            lines.append(
                f"| {fmt_value(r.get('label'), None)} | {figure_value(r)} | "
                f"{fmt_value(r.get('published'), None)} | {fmt_value(r.get('comparison'), None)} |"
            )
        lines.append("")
    for outcome in outcomes:
        lines += _section(outcome)
    return "\n".join(lines).rstrip() + "\n"


def _section(outcome: Outcome) -> list[str]:
    lines = [
        f"## {outcome.script.title}",
        "",
        f"`.venv/bin/python -m benchmarks.{outcome.script.name}` ({outcome.seconds:,.0f} s)",
        "",
    ]
    weaknesses = []
    for r in outcome.records:
        kind = r.get("type")
        if kind == "text":
            if r.get("heading"):
                lines += [f"### {r['heading']}", ""]
            lines += [str(r.get("body", "")), ""]
        elif kind == "table":
            lines += [
                f"**{r.get('title', '')}**",
                "",
                markdown_table(r["columns"], r["rows"], r["formats"]),
                "",
            ]
            if r.get("note"):
                lines += [f"*{r['note']}*", ""]
        elif kind == "figure":
            published = f" Published: {r['published']}." if r.get("published") else ""
            comparison = f" {r['comparison']}." if r.get("comparison") else ""
            lines += [f"- **{r.get('label')}: {figure_value(r)}.**{published}{comparison}"]
            lines += [""]
        elif kind == "weakness":
            weaknesses.append(str(r.get("body", "")))
    if weaknesses:
        lines += ["### Where the model is weak", ""] + [f"- {w}" for w in weaknesses] + [""]
    return lines


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:
        return str(path)


def git_commit() -> str:
    """The short commit of the working tree, with ``+changes`` when the code differs from it."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "planner", "weather", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}+changes" if dirty else sha


def is_complete(path: Path) -> bool:
    """Whether ``path`` is a document written from a complete run."""
    try:
        return COMPLETE in path.read_text(encoding="utf-8")
    except OSError:
        return False


# ------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Check the data, run the scripts, write the document; see the module docstring."""
    parser = argparse.ArgumentParser(
        description="Run benchmarks/validate_*.py and write docs/validation.md."
    )
    parser.add_argument(
        "--data", default=None, help=f"data folder (default ../shared/data or ${DATA_ENV})"
    )
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help="document to write (default docs/validation.md)"
    )
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="scripts run at a time"
    )
    parser.add_argument("--only", default=None, help="comma-separated scripts (storms,4cp,capture)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    started = time.perf_counter()
    data = data_dir(args.data)
    out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
    scripts = discover()
    if args.only:
        wanted = {w.strip().removeprefix("validate_") for w in args.only.split(",")}
        unknown = wanted - {s.short for s in scripts}
        if unknown:
            parser.error(
                f"unknown script(s) {sorted(unknown)}; known: {[s.short for s in scripts]}"
            )
        scripts = [s for s in scripts if s.short in wanted]
    missing = missing_by_script(scripts, data)
    if missing:
        files = sorted({f for fs in missing.values() for f in fs})
        where = "not found" if not data.is_dir() else "found, but incomplete"
        print(f"validate: data folder {data} {where}; {len(files)} file(s) missing:")
        for f in files:
            needed = ", ".join(n for n, fs in missing.items() if f in fs)
            print(f"  - {f}  (needed by {needed})")
        print(
            f"validate: give the folder with --data or ${DATA_ENV}; the scripts above are skipped."
        )
    runnable = [s for s in scripts if s.name not in missing]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(lambda s: _run_and_say(s, data), runnable))
    failed = [o for o in outcomes if o.returncode != 0]
    if failed:
        for o in failed:
            tail = "\n".join(o.stderr.strip().splitlines()[-15:])
            print(
                f"validate: {o.script.name} failed (exit {o.returncode}):\n{tail}", file=sys.stderr
            )
        print(f"validate: {out} not written.", file=sys.stderr)
        return 1
    total = time.perf_counter() - started
    text = render(
        outcomes,
        missing=missing,
        data=data,
        total_seconds=total,
        jobs=args.jobs,
        generated=datetime.now(UTC),
        commit=git_commit(),
        only=[s.short for s in scripts] if args.only else (),
    )
    partial = bool(missing) or bool(args.only)
    if partial and is_complete(out):
        print(
            f"validate: kept {_shown(out)}, written from a complete run; this partial run wrote "
            "nothing (give --out to write it elsewhere)."
        )
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    state = "incomplete: data missing" if missing else "partial" if args.only else "complete"
    print(f"validate: wrote {_shown(out)} ({state}) in {total:,.0f} s.")
    return 0


def _run_and_say(script: Script, data: Path) -> Outcome:
    print(f"validate: running {script.name} ...", flush=True)
    outcome = run_script(script, data)
    status = "ok" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
    print(f"validate: {script.name} {status} in {outcome.seconds:,.0f} s", flush=True)
    return outcome


if __name__ == "__main__":
    raise SystemExit(main())
