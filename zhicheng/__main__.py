"""`python -m zhicheng …` runs the command line (where the console script is not on PATH)."""

import os
import sys
from pathlib import Path

# `python -m` puts the working directory first on sys.path: a folder there named like one of our
# packages (an output folder called `reports`, say) would shadow it. Unless the code is being run
# from its own checkout, the working directory is dropped, as the console script does.
_here = Path(__file__).resolve().parent.parent
if Path.cwd().resolve() != _here:
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]

from zhicheng.cli import main  # noqa: E402

if __name__ == "__main__":  # not when a spawned worker process imports it (reports.queue)
    main()
