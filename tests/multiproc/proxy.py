"""A fault-injection TCP proxy: the servers reach PostgreSQL or Redis through it, and a test takes the service
"down" for them (``cut``: every open connection is reset and new ones are refused) and back (``restore``)
without touching the real server, which the rest of the suite keeps using.

It runs its own event loop in a daemon thread, so it outlives the tests' own ``asyncio.run`` calls and
serves the server processes between tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

from tests.web.browser import free_port


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, name=f"proxy:{self.port}", daemon=True).start()
        self.restore()

    def rewrite(self, url: str) -> str:
        """``url`` (postgresql://… or redis://…) pointed at the proxy instead of the real port."""
        host_port = f"{self.target[0]}:{self.target[1]}"
        assert host_port in url, f"{url} does not name {host_port}"
        return url.replace(host_port, f"127.0.0.1:{self.port}", 1)

    def cut(self) -> None:
        """The service is down: open connections are reset, new ones refused (nothing listens)."""
        self._call(self._cut())

    def restore(self) -> None:
        """The service is back: the port accepts and forwards again."""
        self._call(self._listen())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _call(self, coro) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            sock = writer.get_extra_info("socket")
            with contextlib.suppress(OSError):  # SO_LINGER 0: the peer sees a reset, as when a server dies
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            writer.transport.abort()
        self._writers.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        self._writers -= {writer, up_writer}


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.transport.abort()
