"""Entry point of the local stack: `python deploy/local/stack.py COMMAND` (see `--help`)."""

import sys
from pathlib import Path

# Run as a file, Python puts this folder first on sys.path, where module names could shadow the
# standard library; the repository root is what the `deploy.local` package needs instead.
sys.path[0] = str(Path(__file__).resolve().parents[2])

from deploy.local.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
