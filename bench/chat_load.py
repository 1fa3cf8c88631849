"""The load generator of `kefu bench chat`: one asyncio process, N buyer sockets and M agent sockets.

Run as ``python -m bench.chat_load CONFIG.json OUT.json`` (the bench starts it as a separate process). The
config names the sockets (URLs, the agents' session cookies) and the load; the output is the raw measurements
(latency lists are summarised here, so the file stays small).

Phases: connect every socket; warm-up (each buyer sends one opening line, then we wait until routing has
assigned the conversations: an agent socket sees a conversation event naming it the assignee); measure for
``duration`` seconds (buyers send at ``rate`` messages a second each, Poisson arrivals with spread starts;
agents answer ``reply_ratio`` of the buyer lines they receive after a short think time); drain (late
deliveries still count toward latency and completeness, not toward the measured rate).

Speaks kefu's client protocol (kefu.conversations.handlers): frames message/ping in, ack/event/ready/error/pong
out; bench/relay.py speaks the same, so the same generator measures both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

# Buyer lines: orders, logistics, returns, sizes, invoices, payment… (written for this benchmark).
BUYER_LINES = [
    "你好，我昨天下的单什么时候能发货？", "订单号尾号 3721，麻烦帮我查一下物流", "快递三天没动了，是不是卡在中转站了",
    "这件外套我平时穿 L，这款要拍多大的", "身高 172 体重 65 公斤，裤子选哪个码合适", "可以改一下收货地址吗，我搬家了",
    "我想换成黑色的，还没发货能改吗", "收到的鞋子左脚有点磨脚，可以换大半码吗", "退货的运费谁来出呀",
    "七天无理由退货怎么操作", "退款申请提交了，大概多久到账", "能开增值税专用发票吗，公司报销要用",
    "发票抬头写错了，可以重开吗", "这个颜色和图片上差别有点大", "衣服洗了一次就起球了，正常吗",
    "有没有优惠券可以用", "下单之后降价了，能退差价吗", "双十一的满减活动还有吗", "能不能帮我备注一下周末再送",
    "快递员说放驿站了，可我没收到取件码", "包裹显示已签收，但是我家里没人收到", "能发顺丰吗，我急着用",
    "偏远地区包邮吗，新疆能到吗", "这款手机壳适配 iPhone 15 吗", "充电器是原装的吗，有没有质检报告",
    "商品页写的是纯棉，吊牌上怎么是涤纶", "尺码表里的胸围是平铺量的还是一圈", "孩子四岁，身高一米一，选几码",
    "我买了两件，只收到一件", "赠品没有收到，能补发吗", "外包装破了，里面东西好像也压坏了",
    "拍错了，想取消订单", "取消订单后钱会原路退回吗", "用花呗付的款，退款退到哪里",
    "能不能分期付款", "会员积分怎么抵扣", "这个价格还能再便宜点吗", "什么时候补货，一直显示缺货",
    "预售的商品大概几号发", "能帮我加急处理一下吗，下周要出差", "上次买的那款还有同色的吗",
    "保修期是多久，坏了去哪里修", "说明书丢了，有电子版吗", "安装需要自己弄还是有师傅上门",
    "上门安装要另外收费吗", "换货的话旧的要先寄回去吗", "退货地址是哪里，写谁的名字",
    "我已经把退货寄出了，单号 SF1234567890", "仓库收到退货了吗，一直没更新", "质量问题退货能给运费险吗",
    "颜色偏黄，跟详情页的白色不一样", "裤长有点长，可以免费改短吗", "鞋码偏大还是偏小",
    "这个面霜孕妇能用吗", "保质期到什么时候", "生产日期是哪个月的", "能不能开两张发票分开报销",
    "地址写的是公司，周末没人签收怎么办", "快递能不能放到门卫", "好的，谢谢，那我再等等",
]
AGENT_LINES = [
    "您好，我帮您查一下，请稍等", "已经为您备注加急了", "物流显示明天送达，请留意电话", "建议您选 L 码，偏大半码",
    "可以的，我这边帮您修改地址", "退货运费由我们承担，您放心寄回", "退款会在 1-3 个工作日原路退回",
    "发票会在发货后 48 小时内开具", "非常抱歉给您带来不便，我们马上补发", "这款目前有货，下单即可发出",
]


@dataclass
class Stats:
    t_start: float = 0.0  # the measured window
    t_end: float = 0.0
    sent: dict = field(default_factory=dict)  # client_msg_id -> (send time, measured?)
    acked: set = field(default_factory=set)
    ack_ms: list = field(default_factory=list)
    delivered: dict = field(default_factory=dict)  # client_msg_id -> arrival time
    delivery_ms: list = field(default_factory=list)
    delivery_at: list = field(default_factory=list)  # (seconds into the window when sent, ms), for the series
    in_window: int = 0  # deliveries that arrived inside the measured window
    by_side: dict = field(default_factory=dict)  # ("ack" | "delivery", first letter of client_msg_id) -> ms
    errors: dict = field(default_factory=lambda: {"error_frames": 0, "closed": 0, "connect_failed": 0,
                                                   "duplicates": 0, "out_of_order": 0})
    closing: bool = False
    close_codes: dict = field(default_factory=dict)  # "code reason" of sockets the server closed -> count

    def on_ack(self, cmid: str | None, t: float) -> None:
        entry = self.sent.get(cmid)
        if entry is None or cmid in self.acked:
            return
        self.acked.add(cmid)
        if entry[1]:
            self.ack_ms.append((t - entry[0]) * 1000)
            self.by_side.setdefault(("ack", cmid[:1]), []).append(self.ack_ms[-1])

    def on_delivery(self, cmid: str | None, t: float) -> None:
        entry = self.sent.get(cmid)
        if entry is None or cmid in self.delivered:
            return
        self.delivered[cmid] = t
        if entry[1]:
            self.delivery_ms.append((t - entry[0]) * 1000)
            self.delivery_at.append((int(entry[0] - self.t_start), self.delivery_ms[-1]))
            self.by_side.setdefault(("delivery", cmid[:1]), []).append(self.delivery_ms[-1])
        if self.t_start <= t < self.t_end:
            self.in_window += 1

    def measuring(self, t: float) -> bool:
        return self.t_start <= t < self.t_end


class Peer:
    """One socket: sends frames, checks that events come once each and in id order."""

    def __init__(self, stats: Stats, url: str, headers: dict | None = None) -> None:
        self.stats, self.url, self.headers = stats, url, headers or {}
        self.ws = None
        self.last_id = 0
        self.seen: set[str] = set()  # client_msg_ids of message events on this socket
        self.ids: set[int] = set()  # event ids on this socket
        self.ready = asyncio.Event()
        self.closing = False  # we close it on purpose: not an error
        self.gone = False  # closed (the generator does not reconnect: what it would still send is not counted)

    async def open(self) -> bool:
        try:
            self.ws = await connect(self.url, additional_headers=self.headers, compression=None, ping_interval=None,
                                    open_timeout=60, max_size=4 * 1024 * 1024, max_queue=None)
        except Exception:
            self.stats.errors["connect_failed"] += 1
            return False
        return True

    async def send(self, frame: dict) -> None:
        with contextlib.suppress(ConnectionClosed):  # a closed socket is counted once, by the reader
            await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                t = time.monotonic()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "event":
                    self._event(frame["event"], t)
                elif kind == "ack":
                    self.stats.on_ack(frame.get("client_msg_id"), t)
                    self.on_ack(frame)
                elif kind == "error":
                    self.stats.errors["error_frames"] += 1
                elif kind == "ready":
                    self.last_id = max(self.last_id, int(frame.get("last_event_id") or 0))
                    self.ready.set()
        except ConnectionClosed:
            pass
        self.gone = True
        if not (self.stats.closing or self.closing):
            self.stats.errors["closed"] += 1
            rcvd = self.ws.close_code
            key = f"{rcvd} {self.ws.close_reason or ''}".strip()
            self.stats.close_codes[key] = self.stats.close_codes.get(key, 0) + 1

    def _event(self, ev: dict, t: float) -> None:
        ev_id = ev.get("id")
        if ev_id is not None:
            if ev_id in self.ids:
                self.stats.errors["duplicates"] += 1
                return
            self.ids.add(ev_id)
            if ev_id < self.last_id:
                self.stats.errors["out_of_order"] += 1
            self.last_id = max(self.last_id, ev_id)
        data = ev.get("data") or {}
        msg = data.get("message")
        if ev.get("type") == "message.created" and msg:
            cmid = msg.get("client_msg_id")
            if cmid is not None:
                if cmid in self.seen:
                    self.stats.errors["duplicates"] += 1
                    return
                self.seen.add(cmid)
            self.on_message(ev, data, msg, t)
        elif data.get("conversation"):
            self.on_conversation(data["conversation"])

    def on_ack(self, frame: dict) -> None: ...
    def on_message(self, ev: dict, data: dict, msg: dict, t: float) -> None: ...
    def on_conversation(self, conv: dict) -> None: ...

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 2)


class Buyer(Peer):
    def __init__(self, load: Load, index: int, url: str) -> None:
        super().__init__(load.stats, url)
        self.load, self.index = load, index
        self.conversation_id: int | None = None
        self.n = 0

    def on_ack(self, frame: dict) -> None:
        cid = frame.get("conversation_id")
        if cid is not None and cid != self.conversation_id:
            self.conversation_id = cid
            self.load.buyer_of[cid] = self

    def on_message(self, ev: dict, data: dict, msg: dict, t: float) -> None:
        if msg.get("sender") == "agent":
            self.stats.on_delivery(msg.get("client_msg_id"), t)

    async def say(self, text: str) -> None:
        if self.gone:
            return
        self.n += 1
        cmid = f"b{self.index}-{self.n}"
        t = time.monotonic()
        self.stats.sent[cmid] = (t, self.stats.measuring(t))
        await self.send({"type": "message", "text": text, "client_msg_id": cmid})

    async def talk(self, rate: float, rng: random.Random) -> None:
        """Poisson arrivals at ``rate`` a second until the window ends (the first one too, so that N buyers
        together are a steady Poisson stream of N × rate from the window's start)."""
        await asyncio.sleep(max(0.0, self.stats.t_start - time.monotonic()) + rng.expovariate(rate))
        while time.monotonic() < self.stats.t_end:
            await self.say(rng.choice(BUYER_LINES))
            await asyncio.sleep(rng.expovariate(rate))


class Agent(Peer):
    def __init__(self, load: Load, agent_id: int, url: str, headers: dict) -> None:
        super().__init__(load.stats, url, headers)
        self.load, self.agent_id = load, agent_id
        self.n = 0

    def on_conversation(self, conv: dict) -> None:
        if conv.get("assignee_id") == self.agent_id and conv.get("id") is not None:
            self.load.assigned.add(conv["id"])

    def on_message(self, ev: dict, data: dict, msg: dict, t: float) -> None:
        conv = data.get("conversation") or {}
        self.on_conversation(conv)
        if msg.get("sender") != "buyer" or conv.get("assignee_id") not in (self.agent_id, None):
            return  # another agent's chat (a socket that sees the whole shop)
        self.stats.on_delivery(msg.get("client_msg_id"), t)
        if (conv.get("assignee_id") == self.agent_id and self.stats.measuring(t)
                and self.load.rng.random() < self.load.reply_ratio):
            self.load.spawn(self.reply(conv["id"]))

    async def reply(self, conversation_id: int) -> None:
        lo, hi = self.load.think
        await asyncio.sleep(self.load.rng.uniform(lo, hi))
        t = time.monotonic()
        if not self.stats.measuring(t) or self.gone:
            return
        self.n += 1
        cmid = f"a{self.agent_id}-{self.n}"
        self.stats.sent[cmid] = (t, True)
        await self.send({"type": "message", "conversation_id": conversation_id, "text": self.load.rng.choice(
            AGENT_LINES), "client_msg_id": cmid})

    async def keepalive(self) -> None:
        while True:  # the workspace pings every 25 s: an agent who sends nothing is not set away as silent
            await asyncio.sleep(25)
            await self.send({"type": "ping"})


class Load:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.stats = Stats()
        self.rng = random.Random(cfg.get("seed", 1))
        self.reply_ratio = float(cfg.get("reply_ratio", 0.3))
        self.think = tuple(cfg.get("think", (0.3, 1.2)))
        self.assigned: set[int] = set()
        self.buyer_of: dict[int, Buyer] = {}
        self.tasks: set[asyncio.Task] = set()
        self.buyers = [Buyer(self, i, url) for i, url in enumerate(cfg["buyers"])]
        self.agents = [Agent(self, a["agent_id"], a["url"], a.get("headers") or {}) for a in cfg["agents"]]

    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _open_all(self, peers: list[Peer]) -> list[Peer]:
        gate = asyncio.Semaphore(int(self.cfg.get("connect_parallel", 64)))

        async def one(p: Peer) -> bool:
            async with gate:
                if not await p.open():
                    return False
            self.spawn(p.read())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(p.ready.wait(), 60)
            return True

        ok = await asyncio.gather(*(one(p) for p in peers))
        return [p for p, good in zip(peers, ok, strict=True) if good]

    async def run(self) -> dict:
        cfg, t0 = self.cfg, time.monotonic()
        agents = await self._open_all(self.agents)
        for a in agents:
            self.spawn(a.keepalive())
        buyers = await self._open_all(self.buyers)
        t_connected = time.monotonic()
        # warm-up: one opening line each, spread over a few seconds, then wait for routing
        spread = min(10.0, len(buyers) / 200)
        self.stats.t_start = self.stats.t_end = float("inf")
        for b in buyers:
            self.spawn(self._open_line(b, self.rng.uniform(0, spread)))
        deadline = time.monotonic() + float(cfg.get("warmup_timeout", 120))
        while time.monotonic() < deadline and len(self.assigned) < len(buyers):
            await asyncio.sleep(0.2)
        t_warm = time.monotonic()
        self.stats.t_start, self.stats.t_end = t_warm, t_warm + float(cfg["duration"])
        rng = random.Random(cfg.get("seed", 1) + 1)
        talkers = [asyncio.create_task(b.talk(float(cfg["rate"]), random.Random(rng.random()))) for b in buyers]
        await asyncio.gather(*talkers)
        drained = time.monotonic() + float(cfg.get("drain", 5))  # late deliveries: up to this long, not longer
        while time.monotonic() < drained and any(m and c not in self.stats.delivered
                                                 for c, (_t, m) in list(self.stats.sent.items())):
            await asyncio.sleep(0.1)
        self.stats.closing = True
        await asyncio.gather(*(p.close() for p in agents + buyers))
        for task in list(self.tasks):
            task.cancel()
        return self.report(len(buyers), len(agents), t_connected - t0, t_warm - t_connected)

    async def _open_line(self, b: Buyer, delay: float) -> None:
        await asyncio.sleep(delay)
        await b.say(self.rng.choice(BUYER_LINES[:-1]))

    def report(self, n_buyers: int, n_agents: int, connect_s: float, warmup_s: float) -> dict:
        st = self.stats
        measured = [c for c, (_t, m) in st.sent.items() if m]
        # Lines sent in the window (and answers to them) that never arrived are errors. The warm-up's opening
        # lines are counted apart: they are written while the conversation waits for routing, and an agent's
        # workspace reads a chat's history when it gets the chat, so a socket need not carry them.
        undelivered = sum(1 for c, (_t, m) in st.sent.items() if m and c not in st.delivered)
        warmup_undelivered = sum(1 for c, (_t, m) in st.sent.items() if not m and c not in st.delivered)
        unacked = sum(1 for c in st.sent if c not in st.acked)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        duration = st.t_end - st.t_start
        return {"buyers_connected": n_buyers, "agents_connected": n_agents, "connect_s": round(connect_s, 2),
                "warmup_s": round(warmup_s, 2), "assigned": len(self.assigned), "duration_s": round(duration, 2),
                "sent": len(st.sent), "sent_measured": len(measured), "delivered": len(st.delivered),
                "delivered_in_window": st.in_window, "delivered_per_s": round(st.in_window / duration, 2),
                "undelivered": undelivered, "warmup_undelivered": warmup_undelivered, "unacked": unacked,
                "ack_ms": summary(st.ack_ms),
                "delivery_ms": summary(st.delivery_ms),
                **{f"{what}_{'buyer' if side == 'b' else 'agent'}_ms": summary(v)
                   for (what, side), v in st.by_side.items() if side in ("a", "b")},
                "errors": {**st.errors, "undelivered": undelivered},
                "delivery_by_second": series(st.delivery_at),
                "close_codes": st.close_codes, "generator_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "loadavg_1m_end": round(os.getloadavg()[0], 2)}


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    v = sorted(values)
    return {"n": len(v), "p50": round(v[len(v) // 2], 2), "p99": round(v[min(len(v) - 1, int(len(v) * 0.99))], 2),
            "max": round(v[-1], 2)}


def series(points: list[tuple[int, float]]) -> list[dict]:
    """Delivery latency by the second of the window the line was sent in: a backlog shows as a slope."""
    by: dict[int, list[float]] = {}
    for sec, ms in points:
        by.setdefault(sec, []).append(ms)
    return [{"second": sec, **summary(v)} for sec, v in sorted(by.items())]


def raise_nofile() -> None:
    """Thousands of sockets: lift the soft open-files limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str]) -> None:
    raise_nofile()
    with open(argv[0], encoding="utf-8") as fh:
        cfg = json.load(fh)
    result = asyncio.run(Load(cfg).run())
    with open(argv[1], "w", encoding="utf-8") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main(sys.argv[1:])
