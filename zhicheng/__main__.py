"""`python -m zhicheng …` runs the command line (where the console script is not on PATH)."""

from zhicheng.cli import main

main()
