"""What every benchmark script prints besides its figures: the machine, and Markdown tables."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM [GiB], Python, 1-minute load and UTC date of this run."""
    cpu = platform.processor() or "unknown"
    ram_gib = float("nan")
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo", encoding="utf-8") as f:
            ram_gib = (
                next(int(line.split()[1]) for line in f if line.startswith("MemTotal")) / 2**20
            )
    except (OSError, StopIteration):
        pass
    return {
        "bench": "machine",
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "load_1min": round(os.getloadavg()[0], 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def cell(value: Any) -> str:
    """One table cell: floats to 4 significant figures (whole numbers past 100,000)."""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
    return str(value)


def markdown(rows: list[dict[str, Any]], benches: Sequence[str]) -> str:
    """One Markdown table per benchmark name in ``benches``, over the keys its rows carry."""
    lines = []
    for name in benches:
        mine = [r for r in rows if r["bench"] == name]
        if not mine:
            continue
        keys = [k for k in mine[0] if k != "bench"]
        for r in mine:  # keys the first row lacks, in order of appearance
            keys += [k for k in r if k not in keys and k != "bench"]
        lines.append(f"\n### {name}\n")
        lines.append("| " + " | ".join(keys) + " |")
        lines.append("|" + "---|" * len(keys))
        lines.extend("| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in mine)
    return "\n".join(lines)
