"""``python -m lernpy`` runs the command line."""

import sys

from lernpy.cli import main

sys.exit(main())
