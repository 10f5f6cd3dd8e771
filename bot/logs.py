"""Logging that never prints the bot token, whatever logs it (httpx, PTB, tracebacks)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "<TOKEN>"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then removes every secret from the whole text.

    Working on the final text covers everything: the message, its arguments, and a
    traceback whose exception carries a URL. httpx logs request URLs (with the token)
    at INFO, and PTB 22 logs the Bot API URL at DEBUG; silencing those loggers would not
    be enough, since any exception can repeat the URL.
    """

    def __init__(self, secrets: Iterable[str], fmt: str = _FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def configure_logging(level: str, secrets: Iterable[str], stream: object = None) -> None:
    """Route all logging through one redacting handler."""
    secrets = list(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # One line per HTTP request is noise at INFO; at DEBUG it is wanted (and redacted).
    if level != "DEBUG":
        for noisy in ("httpx", "httpcore", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
