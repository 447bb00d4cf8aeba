"""``python -m session_middleware``: the command-line tool (see :mod:`.cli`)."""

import sys

from session_middleware.cli import main

sys.exit(main())
