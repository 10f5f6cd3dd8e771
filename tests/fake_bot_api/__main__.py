"""`python -m tests.fake_bot_api`: the fake as a standalone process (see process.py)."""

from tests.fake_bot_api.process import main

main()
