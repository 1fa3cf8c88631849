"""Group commit: chat frames that arrive while the database is busy are stored together, in one transaction.

At a peak most of a message's cost is the transaction around it — opening it, numbering its event, writing
the log's pages at commit — not the message itself. A `GroupCommit` queues units of work (each a function of a
session, as `Database.run` takes) and a single drain task runs everything queued so far in one transaction,
then the next lot: one frame alone when the shop is quiet, dozens at once when it is busy, never a wait for a
batch to fill. Each caller gets its own result, after the commit that made it durable.

A unit that fails (a domain error such as a closed conversation, or a database error) costs its neighbours
nothing: the batch is rolled back and each unit runs again alone, so every other unit lands and the failing
one gets its own error. Lock races are retried as in `Database.run`. The drain runs each batch to its end even
when a waiting caller is cancelled (its socket closed): a message stored that way is acknowledged on resend.

On SQLite one writer at a time is the rule anyway (the database's gate lets one transaction through: one
drain), so batching changes no lock order. On PostgreSQL several batches run at once (``drains``, the
database's concurrency) and a batch takes its units' row locks in arrival order, not in the documented lock
order; so it waits for a lock only briefly (``prelude``: a lock timeout far below the deadlock timeout): a
batch that would close a cycle gives up at once and its units run alone, each in the lock order. A unit must
tolerate running after other units of the same transaction (they may touch the same conversation, as
consecutive transactions would).

Bulk units. A unit may also say what it is (``unit(fn, kind, item)``): consecutive units of a kind that has a
bulk writer (``BULK[kind]``, registered by the domain that owns it: chat lines, kefu.chatlines.service)
are handed to that writer together, which stores what it can in a few statements for all of them and returns
the results of those it took; the others run as plain units right after, in their order. A writer declines
whatever it does not handle the ordinary way, and everything after it that touches the same rows, so each
conversation's lines keep their order. A unit alone (a quiet shop) runs plainly.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
MAX_BATCH = 64  # units per transaction: bounds the work redone when one of them fails

Unit = Callable[[Any], Awaitable[Any]]
# kind -> writer(session, items) -> {index in items: result}; see the module's docstring
BULK: dict[str, Callable[[Any, list[Any]], Awaitable[dict[int, Any]]]] = {}


def unit(fn: Unit, kind: str | None = None, item: Any = None) -> Unit:
    """``fn``, marked as one ``item`` a bulk writer of ``kind`` may take instead (None: a plain unit)."""
    if kind is not None:
        fn.bulk = (kind, item)  # type: ignore[attr-defined]
    return fn


class GroupCommit:
    def __init__(self, run: Callable[[Unit], Awaitable[Any]], max_batch: int = MAX_BATCH, drains: int = 1,
                 prelude: Unit | None = None) -> None:
        self._run = run  # Database.run: one transaction, retried on lock races
        self._max = max_batch
        self._drains = drains  # batches in flight at once
        self._prelude = prelude  # run first in a transaction of several units (PostgreSQL: a lock timeout)
        self._queue: deque[tuple[Unit, asyncio.Future]] = deque()
        self._running: set[asyncio.Task] = set()
        self.batches = self.units = 0  # for tests and the bench

    @property
    def idle(self) -> bool:
        return not self._running and not self._queue

    async def run(self, fn: Unit) -> Any:
        fut = asyncio.get_running_loop().create_future()
        self._queue.append((fn, fut))
        if len(self._running) < self._drains:  # a fresh context: not a caller's open transaction
            task = asyncio.get_running_loop().create_task(self._drain_all(), context=contextvars.Context())
            self._running.add(task)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            fut.cancel()  # nobody waits for the result any more; the unit still runs to its end
            raise

    async def _drain_all(self) -> None:
        # The drain leaves ``_running`` in the same step in which it finds the queue empty. (Left to a done
        # callback, that came one step later: a caller woken in between queued its unit, saw this drain still
        # "running" and started none, and waited for ever — its socket's message never stored nor answered.)
        try:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._max, len(self._queue)))]
                await self._commit(batch)
        finally:
            self._running.discard(asyncio.current_task())

    async def _commit(self, batch: list[tuple[Unit, asyncio.Future]]) -> None:
        self.batches += 1
        self.units += len(batch)
        if len(batch) > 1:
            try:
                results = await self._run(lambda s: _in_turn(s, [fn for fn, _ in batch], self._prelude))
            except Exception:  # one unit failed: each runs alone below, and gets its own result
                pass
            else:
                for (_, fut), result in zip(batch, results, strict=True):
                    _settle(fut, result=result)
                return
        for fn, fut in batch:
            try:
                result = await self._run(fn)
            except Exception as exc:  # handed to its caller
                _settle(fut, exc=exc)
            else:
                _settle(fut, result=result)


async def _in_turn(session, fns: list[Unit], prelude: Unit | None) -> list[Any]:
    if prelude is not None:
        await prelude(session)
    results: list[Any] = []
    while len(results) < len(fns):
        i = len(results)
        kind = _kind(fns[i])
        end = i + 1
        while end < len(fns) and kind is not None and _kind(fns[end]) == kind:
            end += 1
        if end - i < 2:  # a plain unit, or a bulk one alone
            results.append(await fns[i](session))
            continue
        done = await BULK[kind](session, [fn.bulk[1] for fn in fns[i:end]])
        for k, fn in enumerate(fns[i:end]):
            results.append(done[k] if k in done else await fn(session))
    return results


def _kind(fn: Unit) -> str | None:
    mark = getattr(fn, "bulk", None)
    return mark[0] if mark is not None and mark[0] in BULK else None


def _settle(fut: asyncio.Future, *, result: Any = None, exc: BaseException | None = None) -> None:
    if fut.done():  # its caller was cancelled (the socket closed); the work is done and committed all the same
        if exc is not None:
            log.debug("unit failed after its caller left: %r", exc)
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)
