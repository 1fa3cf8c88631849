"""Sending webhooks and mail. A delivery's timer only *claims* an attempt (kefu.notifications.service.begin_attempt
arms the retry timer first); the network is used after that transaction commits, by a task of this process, and
the outcome is written in a transaction of its own. So no database transaction (on SQLite: the one writer) ever
waits on a slow receiver, and a process that dies mid-send leaves a retry timer behind.

Timeouts: a webhook gets 3 s to connect and 5 s per read/write (10 s in all); a mail 10 s per SMTP step (30 s in
all). At most SEND_CONCURRENCY sends run at once per process; the rest wait their turn in memory (their retry
timers are armed already)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.clock import now
from kefu.core.db import AFTER_COMMIT, Database
from kefu.core.scheduler import Timer, handles
from kefu.notifications import rules, service
from kefu.notifications.rules import Channel, Outcome, Outgoing

log = logging.getLogger(__name__)
SENDS = "kefu_notify_sends"  # session.info key: attempts claimed in this transaction, sent after its commit
SEND_CONCURRENCY = 8
WEBHOOK_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
WEBHOOK_DEADLINE, SMTP_STEP, SMTP_DEADLINE = 10.0, 10.0, 30.0
USER_AGENT = "kefu-webhook/1"


class Webhook:
    """POST the delivery's JSON, signed (X-Kefu-Signature) with the endpoint's secret; any 2xx is delivered.
    Redirects are not followed: a receiver that moved must be configured again."""
    name = "webhook"

    async def send(self, delivery: Outgoing) -> Outcome:
        body = delivery.body.encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   rules.DELIVERY_HEADER: delivery.uid, rules.EVENT_HEADER: delivery.event,
                   rules.SIGNATURE_HEADER: rules.signature(delivery.secret or "", int(now().timestamp()),
                                                           delivery.body)}
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT, follow_redirects=False) as client:
            r = await asyncio.wait_for(client.post(delivery.target, content=body, headers=headers), WEBHOOK_DEADLINE)
        ok = 200 <= r.status_code < 300
        return Outcome(ok, r.status_code, None if ok else f"HTTP {r.status_code}")


class Email:
    """Plain-text UTF-8 mail through the KEFU_SMTP_* server (STARTTLS unless turned off; implicit TLS on port 465).
    A 5xx reply (no such mailbox, refused) is permanent; anything else is tried again."""
    name = "email"

    async def send(self, delivery: Outgoing) -> Outcome:
        cfg = service.config.mail
        if cfg is None:
            return Outcome(False, error="SMTP is not configured (KEFU_SMTP_HOST, KEFU_SMTP_FROM)")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = cfg.sender, delivery.target, delivery.subject or ""
        msg["Date"], msg["Message-ID"] = formatdate(now().timestamp()), make_msgid(delivery.uid, "kefu")
        msg[rules.DELIVERY_HEADER] = delivery.uid
        msg.set_content(delivery.body)
        try:
            await asyncio.wait_for(asyncio.to_thread(_smtp_send, cfg, msg), SMTP_DEADLINE)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            return Outcome(False, code, f"SMTP {code}: recipient refused", permanent=code >= 500)
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            return Outcome(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {text}"[:500], permanent=exc.smtp_code >= 500)
        return Outcome(True, 250)


def _smtp_send(cfg: service.MailConfig, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    if cfg.port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=SMTP_STEP, context=context)
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=SMTP_STEP)
    with smtp:
        if cfg.starttls and cfg.port != 465:
            smtp.starttls(context=context)
        if cfg.user:
            smtp.login(cfg.user, cfg.password)
        smtp.send_message(msg)


CHANNELS: dict[str, Channel] = {c.name: c for c in (Webhook(), Email())}


@handles(service.DELIVER_TIMER)
async def deliver(session: AsyncSession, timer: Timer) -> None:
    claimed = await service.begin_attempt(session, int(timer.payload["delivery_id"]))
    if claimed is not None:  # the last thing this handler does: nothing after it can roll the claim back
        session.sync_session.info.setdefault(SENDS, []).append((int(timer.payload["delivery_id"]), *claimed))


class Sender:
    """This process's sends in flight: started after the claiming commit, outcome recorded when done."""

    def __init__(self) -> None:
        self.db: Database | None = None
        self.tasks: set[asyncio.Task] = set()
        self._gate: asyncio.Semaphore | None = None

    def start(self, db: Database) -> None:
        self.db, self._gate = db, asyncio.Semaphore(SEND_CONCURRENCY)

    async def stop(self) -> None:
        """Cancel what is in flight: those deliveries are tried again by their timers."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.db = None

    def spawn(self, delivery_id: int, number: int, outgoing: Outgoing) -> None:
        if self.db is None:
            return  # not serving (a command ran the timers): the retry timer sends it later
        task = asyncio.get_running_loop().create_task(self._run(delivery_id, number, outgoing))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def settle(self) -> None:
        """Wait for every send in flight and its record (tests; shutting down gracefully)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def _run(self, delivery_id: int, number: int, outgoing: Outgoing) -> None:
        assert self._gate is not None and self.db is not None
        db = self.db
        async with self._gate:
            started = time.monotonic()
            try:
                outcome = await CHANNELS[outgoing.channel].send(outgoing)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # refused, timed out, DNS, TLS …: an attempt that failed, never a crash
                outcome = Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500] if str(exc) else type(exc).__name__)
            outcome = Outcome(outcome.ok, outcome.status_code, outcome.error, int((time.monotonic() - started) * 1000),
                              outcome.permanent)
        try:
            await db.run(lambda s: service.record_outcome(s, delivery_id, number, outcome))
        except Exception as exc:  # the database is down: the retry timer tries again (at least once, never lost)
            log.warning("outcome of delivery %s (attempt %s) not recorded: %s", delivery_id, number, exc)


sender = Sender()


async def _spawn_sends(session: AsyncSession) -> None:
    for item in session.sync_session.info.pop(SENDS, None) or ():
        sender.spawn(*item)


def start(db: Database, settings: Any) -> None:
    """Called by the app at start-up: SMTP settings, and where outcomes are written."""
    service.configure(settings)
    sender.start(db)


async def stop() -> None:
    await sender.stop()


AFTER_COMMIT.append(_spawn_sends)
