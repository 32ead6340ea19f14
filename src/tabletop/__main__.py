"""``python -m tabletop``: the same command line as ``tabletop``."""

import sys

from tabletop.cli import main

sys.exit(main())
