"""What never reaches a log line: a visitor's token (a year-long key to their chats), phone digits asked in a
lookup, and the like. Request paths are logged by uvicorn with their query strings — the buyer's socket is
``/ws/buyer?token=…`` for browsers that cannot set headers on a WebSocket — so the access and error loggers
get a filter that blanks those parameters' values before any handler formats the line."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("token", "last4", "phone", "password", "csrf")
_QUERY = re.compile(rf"([?&](?:{'|'.join(SECRET_PARAMS)})=)[^&\s\"']*", re.IGNORECASE)
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    return _QUERY.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = redact(record.msg)
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Idempotent: the filter sits once on each logger, whichever app or server is started how often."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
