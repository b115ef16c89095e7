#!/bin/sh
# The scheduled forecast job inside the container: run `planner forecast` now, then every day
# at PLANNER_RUN_AT (HH:MM, UTC; default 05:30). A failed run is recorded in the run history
# and the loop goes on; exit code 3 (another run holds the lock) is not a failure.
#
#   PLANNER_FLEET       fleet file (default /config/fleet.toml; the packaged demo fleet when that
#                       file does not exist)
#   PLANNER_JOB_CONFIG  job config, used when the file exists (default /config/job.toml)
#   PLANNER_RUNS_DIR    where run folders go (default /data/runs)
set -u

fleet=${PLANNER_FLEET:-/config/fleet.toml}
config=${PLANNER_JOB_CONFIG:-/config/job.toml}
runs=${PLANNER_RUNS_DIR:-/data/runs}
run_at=${PLANNER_RUN_AT:-05:30}

if [ ! -f "$fleet" ]; then
    echo "$fleet not found: planning the packaged demo fleet (mount a fleet.toml at /config)" >&2
    fleet=$(python -c 'import planner.domain as d, pathlib; print(pathlib.Path(d.__file__).with_name("demo_fleet.toml"))')
fi

case $run_at in
    [0-2][0-9]:[0-5][0-9]) ;;
    *) echo "PLANNER_RUN_AT: must be HH:MM (UTC), got '$run_at'" >&2; exit 2 ;;
esac
hours=${run_at%:*}
minutes=${run_at#*:}
at_s=$(( ${hours#0} * 3600 + ${minutes#0} * 60 ))
if [ "$at_s" -ge 86400 ]; then
    echo "PLANNER_RUN_AT: must be HH:MM (UTC), got '$run_at'" >&2
    exit 2
fi

while true; do
    if [ -f "$config" ]; then
        planner forecast "$fleet" --config "$config" --out "$runs"
    else
        planner forecast "$fleet" --out "$runs"
    fi
    code=$?
    [ "$code" -eq 0 ] || [ "$code" -eq 3 ] || echo "forecast run failed with exit code $code" >&2
    now=$(date -u +%s)
    # Seconds until the next PLANNER_RUN_AT, at least a minute (no double run at the mark).
    wait_s=$(( (at_s - now % 86400 + 86400) % 86400 ))
    [ "$wait_s" -ge 60 ] || wait_s=$(( wait_s + 86400 ))
    echo "next forecast run in ${wait_s} s (at ${run_at} UTC)"
    sleep "$wait_s"
done
