"""A real `kefu serve` logs every request, but never a visitor's token (their socket's URL carries it), phone
digits asked in a lookup, or a phone number or address a buyer types."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.multiproc.harness import Server

PHONE, ADDRESS = "13812345678", "北京市朝阳区建国路88号"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update({"KEFU_DATA_DIR": str(data_dir), "KEFU_SECRET_KEY": "logs-" + uuid.uuid4().hex + "k" * 16,
                "KEFU_LOG_LEVEL": "info", "KEFU_SCHEDULER_INTERVAL": "0",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2] / "src"),
                                                            os.environ.get("PYTHONPATH")]))})
    return env


async def _buyer_talks(server: Server) -> str:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        token = (await http.post("/api/widget/logs/session", json={})).json()["token"]
        async with connect(f"{server.ws}/ws/buyer?token={token}&last_event_id=0") as ws:
            await ws.send(json.dumps({"type": "message", "client_msg_id": "m1",
                                      "text": f"我的手机是{PHONE}，地址{ADDRESS}，快递怎么还没到"}))
            async with asyncio.timeout(10):
                while json.loads(await ws.recv()).get("type") != "ack":
                    pass
        lookup = await http.get("/tickets/status", params={"number": "T20261207001", "last4": "5678"})
        assert lookup.status_code == 200
    return token


def test_the_server_log_keeps_tokens_and_phones_out(tmp_path):
    env = _env(tmp_path / "data")
    subprocess.run([sys.executable, "-m", "kefu", "shop", "add", "logs", "--no-starter"], env=env, check=True,
                   capture_output=True, timeout=120)
    server = Server("logs", env, tmp_path).start().wait_ready()
    try:
        token = asyncio.run(_buyer_talks(server))
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "/ws/buyer?token=***&last_event_id=0" in log  # the socket was logged, its token blanked
    assert "last4=***" in log
    for secret in (token, PHONE, "5678", ADDRESS):
        assert secret not in log
