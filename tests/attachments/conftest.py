"""Upload helpers for buyers and agents (multipart, as the widget and the workspace send them)."""

from __future__ import annotations

import pytest

from tests.attachments.images import photo


def upload_as_buyer(buyer, data: bytes | None = None, name: str = "defect.jpg", mime: str = "image/jpeg"):
    return buyer.client.post("/api/widget/attachments", headers=buyer.headers(),
                             files={"file": (name, photo() if data is None else data, mime)})


def upload_as_agent(agent, data: bytes | None = None, name: str = "reply.png", mime: str = "image/png"):
    return agent.client.post("/api/attachments", headers=agent.headers(),
                             files={"file": (name, photo(fmt="PNG") if data is None else data, mime)})


@pytest.fixture
def chat(world):
    """A shop with an agent and a buyer who has opened a conversation."""
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("收到的杯子有裂纹", "t-1").json()["conversation_id"]
    return shop, agent, buyer, conv_id
