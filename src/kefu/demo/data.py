"""Who works at and buys from the demo shop 小鹿优选旗舰店 (clothing and home goods).

Times are written as specs that ``seed.when`` turns into datetimes relative to the moment of loading:
``"-25m"``, ``"-3h"``, ``"-40s"`` are that long ago; ``"3d14:05"`` is 14:05 Beijing time three days ago.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP_NAME = "小鹿优选旗舰店"
SHOP_AGE_DAYS = 730
SUPERVISOR = "laowang"  # the supervisor who moves conversations between agents
# Colleagues `kefu demo` plays itself (demo/actors.py): they answer their buyers with reply templates and stay
# online. Every other login is for a person trying the demo: the supervisor, one agent of 售前 and one of 售后,
# the shop owner (admin) and the trainer.
SIMULATED = frozenset({"xiaozhou", "tingting", "chenjie", "alin"})


@dataclass(frozen=True)
class DemoAgent:
    username: str
    name: str
    role: str
    group: str
    skills: str
    max_chats: int
    joined_days: int
    # (when, presence) in time order; the last one is where the agent stands now.
    presence: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoBuyer:
    name: str
    phone: str
    vip: int
    tags: tuple[str, ...]
    since_days: int


@dataclass(frozen=True)
class Chat:
    """One conversation. ``lines`` are (kind, text) or (kind, text, seconds since the previous line):
    ``b`` buyer, ``a`` agent (whoever holds the chat), ``n`` private note, ``to`` supervisor transfer
    (text is the target username). ``state`` is closed, open (still assigned) or waiting."""

    buyer: str
    agent: str | None
    start: str
    lines: tuple[tuple, ...]
    state: str = "closed"


AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent("lulu", "鹿店长", "admin", "售前", "VIP,发票", 3, 720,
              (("-3h", "online"), ("-25m", "away"))),
    DemoAgent("laowang", "王主管", "supervisor", "售后", "退款,投诉处理,VIP", 8, 600,
              (("-4h", "online"),)),
    DemoAgent("xiaoli", "小李", "agent", "售前", "服装,尺码", 6, 150,
              (("-4h", "online"),)),
    DemoAgent("xiaozhou", "小周", "agent", "售前", "服装,尺码,家居", 5, 32,
              (("-3h", "online"),)),
    DemoAgent("zhaolaoshi", "赵老师", "trainer", "售前", "服装,尺码,家居", 2, 540,
              (("1d09:02", "online"), ("1d18:10", "offline"))),
    DemoAgent("ajie", "阿杰", "agent", "售后", "物流,退换货", 6, 120,
              (("-4h", "online"),)),
    DemoAgent("tingting", "婷婷", "agent", "售后", "退换货,退款,发票", 5, 90,
              (("-5h", "online"), ("-7m", "break"))),
    DemoAgent("chenjie", "陈姐", "senior", "投诉", "退款,退换货,投诉处理,VIP", 5, 480,
              (("-4h", "online"),)),
    DemoAgent("alin", "阿琳", "emotion_support", "投诉", "投诉处理,VIP", 3, 300,
              (("-2h", "online"),)),
)

BUYERS: tuple[DemoBuyer, ...] = (
    DemoBuyer("小鱼儿爱吃草", "13852082231", 2, ("老客户",), 420),
    DemoBuyer("陈女士", "13952080876", 3, ("老客户", "VIP"), 800),
    DemoBuyer("tb_清风徐来", "18652084410", 0, ("新客",), 12),
    DemoBuyer("momo酱", "15252087789", 1, ("大促买家",), 45),
    DemoBuyer("王先生", "13752085502", 0, (), 26),
    DemoBuyer("一只柠檬精", "15852083317", 1, ("大促买家", "价格敏感"), 60),
    DemoBuyer("阿May", "17752089021", 2, ("老客户",), 310),
    DemoBuyer("夏天的风", "13552086645", 0, ("曾投诉",), 30),
    DemoBuyer("张姐", "13352081208", 3, ("老客户", "企业采购"), 560),
    DemoBuyer("李建国", "13152088890", 0, (), 14),
    DemoBuyer("周小姐", "18952083356", 1, ("大促买家",), 90),
    DemoBuyer("奶茶续命", "17652080412", 0, ("新客",), 5),
    DemoBuyer("Sunny", "15052087723", 2, ("老客户", "大促买家"), 380),
    DemoBuyer("刘同学", "15752082689", 0, ("学生",), 20),
    DemoBuyer("林妈妈", "13652085190", 1, ("宝妈",), 150),
    DemoBuyer("大橘为重", "18252086634", 0, ("大促买家", "曾投诉"), 18),
    DemoBuyer("赵先生", "18552089075", 2, ("企业采购",), 240),
    DemoBuyer("木子", "15952084481", 1, ("老客户",), 200),
    DemoBuyer("糖糖不吃糖", "17352082256", 0, ("新客",), 9),
    DemoBuyer("黄女士", "13452087718", 3, ("老客户", "曾投诉"), 900),
    DemoBuyer("老郑", "13252080593", 0, ("曾投诉", "差评风险"), 40),
    DemoBuyer("星星点灯", "18752083362", 1, (), 75),
    DemoBuyer("吴小姐", "18852085027", 2, ("大促买家",), 260),
    DemoBuyer("叶子", "15652088149", 0, (), 16),
    DemoBuyer("何先生", "13052086671", 1, ("老客户",), 330),
)


def parse_script(script: str) -> list[Chat]:
    """Read conversations written as plain dialogue (see chats.py):

    ``== <when> <buyer> [@agent] [open|waiting]`` starts a conversation; each following line is
    ``<kind>[+seconds] <text>`` with kind b, a, n or to.
    """
    chats: list[Chat] = []
    head: list[str] | None = None
    lines: list[tuple] = []

    def flush() -> None:
        if head is not None:
            agent = next((w[1:] for w in head[2:] if w.startswith("@")), None)
            state = next((w for w in head[2:] if w in ("open", "waiting")), "closed")
            chats.append(Chat(buyer=head[1], agent=agent, start=head[0], lines=tuple(lines), state=state))

    for raw in script.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=="):
            flush()
            head, lines = line[2:].split(), []
            continue
        if head is None:
            raise ValueError(f"demo script: line before the first '==': {line!r}")
        kind, _, text = line.partition(" ")
        kind, _, gap = kind.partition("+")
        if kind not in ("b", "a", "n", "to") or not text.strip():
            raise ValueError(f"demo script: bad line {line!r}")
        lines.append((kind, text.strip(), float(gap)) if gap else (kind, text.strip()))
    flush()
    return chats
