"""`python -m contextfeed` is the CLI."""

import sys

from contextfeed.cli import main

sys.exit(main())
