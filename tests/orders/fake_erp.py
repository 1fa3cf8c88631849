"""A shop's own order system for the tests: a tiny Starlette app served by uvicorn on a free local port, in a
thread of its own. ``mode`` makes it answer well, fail (HTTP 500), hang past kefu's timeout or talk garbage;
``hits`` lists every request it got (method, path, Authorization)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class FakeErp:
    def __init__(self) -> None:
        self.orders: dict[str, dict] = {}
        self.mode = "ok"  # ok / error / slow / garbage
        self.slow_seconds = 2.5
        self.hits: list[tuple[str, str, str]] = []
        self.reminded: list[dict] = []
        self.unpaid_list = True
        app = Starlette(routes=[Route("/api/buyers/{ref}/orders", self.buyer_orders),
                                Route("/api/orders", self.listing),
                                Route("/api/orders/{number}", self.one),
                                Route("/api/orders/{number}/remind", self.remind, methods=["POST"])])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> FakeErp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake order system did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    async def _answer(self, request: Request, body) -> Response:
        self.hits.append((request.method, request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                          request.headers.get("authorization", "")))
        if self.mode == "error":
            return JSONResponse({"error": "boom"}, status_code=500)
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.mode == "garbage":
            return Response("<html>maintenance</html>", media_type="text/html")
        if body is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(body)

    async def buyer_orders(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        return await self._answer(request, {"orders": [o for o in self.orders.values() if o.get("buyer_ref") == ref]})

    async def listing(self, request: Request) -> Response:
        if not self.unpaid_list:
            return await self._answer(request, None)
        status = request.query_params.get("status")
        return await self._answer(request, {"orders": [o for o in self.orders.values() if o["status"] == status]})

    async def one(self, request: Request) -> Response:
        return await self._answer(request, self.orders.get(request.path_params["number"]))

    async def remind(self, request: Request) -> Response:
        self.reminded.append(await request.json())
        return await self._answer(request, {"sent": True})
