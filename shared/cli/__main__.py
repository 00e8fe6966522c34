"""``python -m shared.cli``."""

import os
import sys

from shared.cli.main import main

try:
    status = main()
except BrokenPipeError:
    # The reader went away (`... | head`): stop quietly, as command-line tools do.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
raise SystemExit(status)
