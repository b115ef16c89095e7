"""Running it every morning and keeping records: the forecast job, the demo, replays, the run
store, the job lock, notifications and the report."""
