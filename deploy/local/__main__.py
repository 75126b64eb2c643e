"""`python -m deploy.local COMMAND` from the repository root."""

import sys

from deploy.local.cli import main

sys.exit(main())
