"""The surfaces: the command line (``cli/``) and what the Streamlit app computes (``app/``).

They import the public ``planner`` names only (besides the bottom modules ``planner.inputs``,
``planner.quiet`` and ``planner.errors``): an import-linter contract and a test keep it so.
"""
