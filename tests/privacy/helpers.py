"""Shared pieces of the privacy tests: a shop with an admin, an agent and a buyer who gave personal details."""

from __future__ import annotations

from sqlalchemy import func, select

from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer

PHONE = "13812345678"
ADDRESS = "浙江省杭州市西湖区文三路100号3单元502室"
LINE = f"快递一直没到，我电话{PHONE}，地址是{ADDRESS}"


class Desk:
    def __init__(self, world) -> None:
        self.world = world
        self.shop = world.shop()
        self.admin = world.agent(self.shop, role="admin", name="鹿店长")
        self.agent = world.agent(self.shop, name="小李")

    def later(self, frozen, days: float) -> None:
        """Time passes; the staff log in again (a login lasts 12 hours)."""
        frozen.advance(days=days)
        self.admin = self.world.login(self.admin.info["username"])
        self.agent = self.world.login(self.agent.info["username"])

    def buyer(self, text: str = LINE, phone: str | None = PHONE):
        b = self.world.buyer(self.shop)
        r = b.send(text, "first")
        assert r.status_code == 201, r.text
        b.conv = r.json()["conversation_id"]
        b.customer_id = b.session["customer"]["id"]
        if phone:
            self.set_phone(b.customer_id, phone)
        return b

    def set_phone(self, customer_id: int, phone: str) -> None:
        async def go():
            async with self.world.db.transaction() as s:
                (await s.get(Customer, customer_id)).phone = phone

        self.world.run(go)

    def serve_and_close(self, b, reply: str = "您好，已帮您催促快递") -> None:
        assert self.agent.post(f"/api/conversations/{b.conv}/take").status_code == 200
        assert self.agent.post(f"/api/conversations/{b.conv}/messages", {"text": reply}).status_code == 201
        assert self.agent.post(f"/api/conversations/{b.conv}/close").status_code == 200

    def rows(self, conv_id: int) -> tuple[Conversation, list[Message]]:
        async def go():
            async with self.world.db.transaction() as s:
                conv = await s.get(Conversation, conv_id)
                msgs = list(await s.scalars(select(Message).where(Message.conversation_id == conv_id)
                                            .order_by(Message.seq)))
                return conv, msgs

        return self.world.run(go)

    def count_messages(self) -> int:
        async def go():
            async with self.world.db.transaction() as s:
                return await s.scalar(select(func.count()).select_from(Message).where(
                    Message.shop_id == self.shop.id))

        return self.world.run(go)
