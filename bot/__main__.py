"""`python -m bot` runs the `ukm-bot` command."""

from bot.cli import main

main()
