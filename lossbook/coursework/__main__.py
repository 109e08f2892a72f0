"""Command line: ``python -m lossbook.coursework student|grade ...`` (see :func:`lossbook.coursework.main`)."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
