"""``planner app``: the Streamlit what-if app, served and supervised on this machine."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

import planner
from planner.surfaces.supervise import run_child

__all__ = ["app_command"]


def app_command(
    app_file: Annotated[
        Path | None, typer.Option("--app-file", help="Streamlit script (default: app.py).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to serve on.")] = None,
    address: Annotated[
        str,
        typer.Option(
            help="Address to serve on: 127.0.0.1 is this machine only; 0.0.0.0 opens the app "
            "(and its files and webhooks) to the network."
        ),
    ] = "127.0.0.1",
) -> None:
    """Start the Streamlit what-if app on this machine (SIGTERM or Ctrl-C stops it)."""
    candidates = (
        [app_file] if app_file else [Path("app.py"), Path(planner.__file__).parents[1] / "app.py"]
    )
    script = next((p for p in candidates if p is not None and p.is_file()), None)
    if script is None:
        shown = ", ".join(str(p) for p in candidates if p is not None)
        raise planner.ConfigError(
            "app", f"no Streamlit app at {shown}; run from the project folder"
        )
    if shutil.which("streamlit") is None and not _has_module("streamlit"):
        raise planner.ConfigError(
            "app", "streamlit is not installed: pip install 'mining-fleet-planner[app]'"
        )
    command = [sys.executable, "-m", "streamlit", "run", str(script)]
    command += ["--server.address", address, "--server.headless", "true"]
    command += ["--browser.gatherUsageStats", "false"]
    if port is not None:
        command += ["--server.port", str(port)]
    typer.echo(f"starting: {' '.join(command)}", err=True)
    code = run_child(command)
    if code:
        raise typer.Exit(code)


def _has_module(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None
