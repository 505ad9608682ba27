"""``python -m planning.cli``: the same as the ``headcount`` command."""

import sys

from planning.cli.main import main

sys.exit(main())
