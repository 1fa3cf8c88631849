"""What never reaches a log line: a visitor's token (a year-long key to their chats), phone digits asked in a
lookup, and the like. Request paths are logged by uvicorn with their query strings — the buyer's socket is
``/ws/buyer?token=…`` for browsers that cannot set headers on a WebSocket — so the access and error loggers
get a filter that blanks those parameters' values before any handler formats the line. Every line kefu or
uvicorn writes — a traceback included — has mobile and ID numbers masked on its way out (a handler filter on
the handlers that write them), and the database never quotes a statement's values into an error."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("token", "last4", "phone", "password", "csrf")
_QUERY = re.compile(rf"([?&](?:{'|'.join(SECRET_PARAMS)})=)[^&\s\"']*", re.IGNORECASE)
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                        r"(?![\dA-Za-z])")
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    return _QUERY.sub(r"\1***", text)


def mask_mobiles(text: str) -> str:
    """A mainland mobile number keeps its first 3 and last 4 digits (log lines, audit details)."""
    return _MOBILE.sub(r"\1****\2", text)


def mask(text: str) -> str:
    """Mobile numbers as 138****5678, ID numbers hidden."""
    return _ID_NUMBER.sub("[身份证号]", mask_mobiles(text))


class MaskPersonal(logging.Filter):
    """On a handler: the line's message and traceback with phones and ID numbers masked, before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = redact(record.msg)
        return True


_FILTER = RedactSecrets()
_MASK = MaskPersonal()


def install() -> None:
    """Idempotent: the filters sit once on each logger and handler, whichever app or server is started how
    often. Handlers: the root logger's, uvicorn's and Python's last resort (kefu's warnings when nothing is
    configured)."""
    handlers = [logging.lastResort, *logging.getLogger().handlers]
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for name in (*LOGGERS, "uvicorn"):
        handlers += logging.getLogger(name).handlers
    for handler in handlers:
        if handler is not None and _MASK not in handler.filters:
            handler.addFilter(_MASK)
