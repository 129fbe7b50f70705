"""``python -m thingreg``."""

import sys

from thingreg.cli.main import main

sys.exit(main())
