"""``python -m planner.surfaces.cli``: the ``planner`` command."""

import sys

from planner.surfaces.cli.main import main

sys.exit(main())
