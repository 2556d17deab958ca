"""`python -m govbiz` runs the `govbiz` command."""

from govbiz.cli import main

main()
