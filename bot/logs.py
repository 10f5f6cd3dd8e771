"""Logging that never prints the bot token, whatever logs it (httpx, PTB, tracebacks)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from urllib.parse import quote

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
            # Also as a URL carries it: the colon of a token may be percent-encoded.
            for form in {secret, quote(secret, safe="")}:
                text = text.replace(form, REDACTED)
    return text


def install_redacting_excepthook(secrets: Iterable[str]) -> None:
    """A crash's traceback is printed by Python itself, not through logging: redact it
    too (PTB's InvalidToken, for one, spells the token out)."""
    secrets = [s for s in secrets if s]

    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(redact(text, secrets))

    sys.excepthook = excepthook
    threading.excepthook = lambda args: excepthook(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )


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
