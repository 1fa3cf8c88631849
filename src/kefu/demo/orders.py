"""The demo shop's orders (the built-in store), for the buyers of demo/data.py: parcels on the way (one stuck for
two days), a cardigan delivered yesterday (the wrong colour, for an after-sale case), a coat delivered ten days
ago (past the 7-day no-reason return), a sheet set whose price dropped after purchase (补差价), and two unpaid
orders — one past the 30-minute 催付 delay, one not yet. Numbers are 16 digits, as buyers type them; the buyers'
chats in demo/chats.py talk about several of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.customers.models import Customer
from kefu.orders import rules
from kefu.orders.service import store

ADDRESSES = ("浙江省杭州市西湖区文三路 90 号", "上海市浦东新区张杨路 500 号", "广东省深圳市南山区科技园南区 8 栋",
             "江苏省南京市鼓楼区中山北路 30 号", "北京市朝阳区望京街 10 号院")

# (number, buyer, status, logistics, [(item, qty, yuan, category)], days ago placed, shipped, delivered,
#  carrier, tracking, note, promo price in yuan)
ORDERS = (
    ("3862105518840217", "大橘为重", "shipped", "delayed", [("居家防滑拖鞋 灰色 40-41", 1, 39, "home")],
     4, 3.5, None, "中通快递", "ZTO458812073396", "郑州中转站超过 48 小时没有新的扫描记录", None),
    ("3862107730216618", "王先生", "shipped", "in_transit", [("纯棉圆领T恤 白色 XL", 2, 59, "clothing")],
     3, 2.5, None, "韵达快递", "YD4301995870352", "派送中：快递员已出发", None),
    ("3862109902417716", "Sunny", "shipped", "in_transit", [("连帽卫衣 燕麦色 L（换货）", 1, 0, "clothing")],
     1, 0.8, None, "中通快递", "ZTO458812077716", "", None),
    ("3862110048563290", "何先生", "shipped", "in_transit", [("羊毛围巾 驼色 礼盒装", 1, 169, "clothing")],
     2, 1, None, "顺丰速运", "SF1408812345290", "", None),
    ("3862111263004428", "吴小姐", "delivered", "delivered", [("针织开衫 米白 M", 1, 199, "clothing")],
     4, 3, 1, "顺丰速运", "SF1408812374428", "", None),
    ("3862101175209983", "李建国", "delivered", "delivered", [("加绒连帽外套 黑色 XL", 1, 299, "clothing")],
     13, 12, 10, "圆通速递", "YT8833012459983", "", None),
    ("3862112390871455", "一只柠檬精", "shipped", "in_transit", [("纯棉床单四件套 1.8m 雾蓝", 1, 199, "home")],
     2, 1.5, None, "韵达快递", "YD4301995891455", "", 174),
    ("3861204755310928", "一只柠檬精", "completed", "delivered", [("真丝眼罩 香槟色", 2, 45, "home")],
     12, 11, 9, "中通快递", "ZTO458811990928", "", 50),
    ("3862105907711342", "叶子", "delivered", "delivered", [("冰丝凉席三件套 1.5m", 1, 129, "home")],
     8, 7, 5, "圆通速递", "YT8833012471342", "", None),
    ("3862112864405214", "老郑", "delivered", "delivered", [("带轮收纳箱 加厚 60L（补发）", 1, 0, "home")],
     3, 2.5, 1, "顺丰速运", "SF1408812405214", "", None),
    ("3862104412560037", "木子", "completed", "delivered", [("大豆香薰蜡烛 白茶", 2, 49, "home")],
     15, 14, 12, "中通快递", "ZTO458811870037", "", None),
    ("3862112978123561", "小鱼儿爱吃草", "paid", "none", [("亚麻阔腿裤 卡其 M", 1, 159, "clothing")],
     0.2, None, None, "", "", "", None),
)
UNPAID = (  # (number, buyer, item, qty, yuan, minutes ago)
    ("3862113085402256", "糖糖不吃糖", ("垂感阔腿裤 小个子版 黑色 S", 1, 139, "clothing"), 50),
    ("3862113190739021", "阿May", ("法式碎花连衣裙 XS", 1, 229, "clothing"), 8),
)


def _order(number: str, c: Customer, n: int, status: str, logistics: str, items: list, placed: datetime,
           **times) -> dict:
    fen = [(name, qty, int(yuan * 100), cat) for name, qty, yuan, cat in items]
    return rules.check_order({
        "number": number, "status": status, "logistics_status": logistics, "buyer_ref": c.visitor_id,
        "buyer_name": c.display_name, "buyer_phone": c.phone or "", "address": ADDRESSES[n % len(ADDRESSES)],
        "items": [{"name": name, "qty": qty, "price_fen": price, "category": cat} for name, qty, price, cat in fen],
        "total_fen": sum(qty * price for _, qty, price, _ in fen), "payment_method": "alipay" if n % 2 else "wechat",
        "placed_at": placed, **times})


async def load_orders(s: AsyncSession, shop_id: int, base: datetime, buyers: dict[str, Customer]) -> int:
    """The demo orders, linked to their buyers; returns how many."""
    day = timedelta(days=1)
    count = 0
    for n, (number, who, status, logistics, items, placed, shipped, delivered, carrier, tracking, note, promo) in \
            enumerate(ORDERS):
        c = buyers[who]
        at = base - placed * day
        checked = _order(number, c, n, status, logistics, items, at, paid_at=at + timedelta(minutes=3),
                         shipped_at=base - shipped * day if shipped is not None else None,
                         delivered_at=base - delivered * day if delivered is not None else None,
                         carrier=carrier, tracking_number=tracking, logistics_note=note,
                         promo_price_fen=promo * 100 if promo is not None else None)
        await store(s, shop_id, checked, c.id)
        count += 1
    for n, (number, who, item, minutes) in enumerate(UNPAID):
        c = buyers[who]
        checked = _order(number, c, n, "unpaid", "none", [item], base - timedelta(minutes=minutes))
        await store(s, shop_id, checked, c.id)
        count += 1
    return count
