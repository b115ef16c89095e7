"""The command line and the app's support code; they import only the public ``planner``
names."""
