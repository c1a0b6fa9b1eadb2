"""``python -m brmsjax``: the command line (:func:`brmsjax.cli.main`)."""

import sys

from brmsjax.cli import main

sys.exit(main())
