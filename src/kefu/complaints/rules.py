"""The complaint workflow as pure functions: the stages a complaint walks (soothe → facts → responsibility → remedy
→ agreement → followup → done), what each stage must record before the case moves on, the HEAT reminders an
agent sees while the buyer is angry, and the buyer-type flags. No database: kefu.complaints.service feeds them.

Text errors are ``ValueError((zh, en))``; the service turns them into a clear 422."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

STAGES = ("soothe", "facts", "responsibility", "remedy", "agreement", "followup", "done")
STAGE_LABELS = {"soothe": ("安抚", "Soothe"), "facts": ("了解事实", "Facts"),
                "responsibility": ("判定责任", "Responsibility"), "remedy": ("解决方案", "Remedy"),
                "agreement": ("达成协议", "Agreement"), "followup": ("回访", "Follow-up"), "done": ("完成", "Done")}
PARTIES = {"buyer": ("买家", "Buyer"), "seller": ("商家", "Seller"), "courier": ("快递", "Courier"),
           "platform": ("平台", "Platform")}
OUTCOMES = {"satisfied": ("满意", "Satisfied"), "unsatisfied": ("不满意", "Unsatisfied"),
            "unreachable": ("联系不上", "Unreachable")}
FLAGS = {"wronged": ("委屈", "Wronged"), "venting": ("发泄", "Venting"), "malicious": ("恶意", "Malicious")}
FLAG_HINTS = {
    "wronged": ("买家被来回推过：这次由您负责到底，不要再转手，说清楚下一步和时间。",
                "This buyer was passed around: own it yourself, no more hand-offs, give the next step and a time."),
    "venting": ("买家需要先被听见：让对方说完，少解释，先认可情绪再谈方案。",
                "This buyer needs to be heard first: let them finish, explain less, acknowledge, then offer a fix."),
    "malicious": ("按店铺政策处理，不额外让步或加码补偿；回复保持礼貌、只讲事实，重要承诺留文字记录。",
                  "Stick to the shop's policy and offer nothing extra; stay polite and factual, keep promises in "
                  "writing."),
}
HEAT = {
    "hear": ("听：让买家把话说完，不打断，用自己的话复述一遍请对方确认。",
             "Hear: let the buyer finish without interrupting, then restate it and ask them to confirm."),
    "empathize": ("共情：先认可感受，例如“换作是我也会着急”。",
                  "Empathize: acknowledge the feeling first (\"I'd be upset too\")."),
    "apologize": ("致歉：为给您添的麻烦真诚道歉，不推脱、不争对错。",
                  "Apologize: say sorry for the trouble sincerely; no excuses, no arguing who is right."),
    "take": ("负责：用“我们来处理”，给出具体做法和时间，绝不说“这不归我管”。",
             "Take responsibility: say \"we'll handle it\", give a concrete step and a time; never \"not my job\"."),
}
HEAT_BY_STAGE = {"soothe": ("hear", "empathize", "apologize"), "facts": ("hear", "empathize"),
                 "responsibility": ("apologize", "take"), "remedy": ("take", "empathize"), "agreement": ("take",),
                 "followup": ("hear", "take"), "done": ()}
ANGRY_AT = 0.5  # the same threshold message understanding uses (kefu.nlu.service.ANGRY_AT)
FOLLOWUP_DAYS = 3
MAX_AHEAD_DAYS = 366  # a deadline or a follow-up at most a year ahead
WHAT_CHARS, DEMAND_CHARS, NOTE_CHARS, REMEDY_CHARS, STEPS_CHARS = 2000, 500, 1000, 1000, 1000
COMP_DONE = frozenset({"granted", "approved"})

# each stage's fields: name → (kind, zh label, en label, cap)
FIELDS: dict[str, dict[str, tuple[str, str, str, int]]] = {
    "soothe": {"note": ("text", "安抚记录", "Soothing note", NOTE_CHARS)},
    "facts": {"what": ("text", "发生了什么", "What happened", WHAT_CHARS),
              "when": ("past", "发生时间", "When it happened", 0),
              "demand": ("text", "买家诉求", "The buyer's demand", DEMAND_CHARS)},
    "responsibility": {"party": ("party", "责任方", "Responsible party", 0),
                       "note": ("text", "判定依据", "Why (the facts and rules)", NOTE_CHARS)},
    "remedy": {"text": ("text", "解决方案", "Remedy", REMEDY_CHARS),
               "compensation": ("bool", "含补偿", "Includes compensation", 0)},
    "agreement": {"remedy": ("text", "协议方案", "Agreed remedy", REMEDY_CHARS),
                  "next_steps": ("text", "后续步骤", "Next steps", STEPS_CHARS),
                  "deadline": ("future", "完成期限", "Deadline", 0)},
    "followup": {},
    "done": {},
}
REQUIRED = {"soothe": (), "facts": ("what", "when", "demand"), "responsibility": ("party", "note"),
            "remedy": ("text",), "agreement": ("remedy", "next_steps", "deadline"), "followup": (), "done": ()}
Missing = dict[str, str]


def _err(zh: str, en: str) -> ValueError:
    return ValueError((zh, en))


def label(table: dict[str, tuple[str, str]], key: str | None) -> dict[str, str] | None:
    return None if key is None or key not in table else {"zh": table[key][0], "en": table[key][1]}


def clean_text(value: Any, zh: str, en: str, cap: int) -> str:
    """Control characters and lone surrogates out, trimmed; too long is an error, never cut silently."""
    if not isinstance(value, str):
        raise _err(f"{zh}应为文字", f"{en} must be text")
    text = "".join(ch for ch in value if (ch in "\n\t" or ord(ch) >= 32) and not 0xD800 <= ord(ch) <= 0xDFFF
                   and ord(ch) != 0x7F).strip()
    if len(text) > cap:
        raise _err(f"{zh}过长：最多 {cap} 字", f"{en} too long: at most {cap} characters")
    return text


def parse_time(value: Any, zh: str, en: str) -> datetime:
    """An ISO 8601 time that names its zone (2026-12-07T14:30+08:00); a bare local time is ambiguous."""
    if not isinstance(value, str) or len(value) > 40:
        raise _err(f"{zh}应为带时区的时间", f"{en} must be a time with a time zone")
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _err(f"{zh}格式不正确：{value[:40]}", f"{en} is not a valid time: {value[:40]}") from None
    if at.tzinfo is None:
        raise _err(f"{zh}须带时区，例如 +08:00", f"{en} needs a time zone, e.g. +08:00")
    return at


def clean_stage(stage: str, raw: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The fields of ``stage`` from ``raw`` (a partial update: only the keys given), checked and normalised.
    Times come back as ISO strings; an unknown field or stage is an error."""
    if stage not in FIELDS:
        raise _err("未知的投诉阶段", f"Unknown complaint stage: {stage}")
    fields = FIELDS[stage]
    if not fields and raw:
        raise _err("此阶段没有可填写的内容", "This stage has no fields to fill in")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise _err(f"此阶段没有字段 {key[:32]}", f"No field {key[:32]} at this stage")
        kind, zh, en, cap = fields[key]
        if value is None or value == "":
            out[key] = False if kind == "bool" else ""
        elif kind == "text":
            out[key] = clean_text(value, zh, en, cap)
        elif kind == "bool":
            if not isinstance(value, bool):
                raise _err(f"{zh}应为是或否", f"{en} must be true or false")
            out[key] = value
        elif kind == "party":
            if value not in PARTIES:
                raise _err("责任方应为买家、商家、快递或平台", "Party must be buyer, seller, courier or platform")
            out[key] = value
        else:
            when = parse_time(value, zh, en)
            if kind == "past" and when > at + timedelta(minutes=5):
                raise _err(f"{zh}不能晚于现在", f"{en} cannot be in the future")
            if kind == "past" and when < at - timedelta(days=MAX_AHEAD_DAYS * 3):
                raise _err(f"{zh}太久远了", f"{en} is too long ago")
            if kind == "future" and when <= at:
                raise _err(f"{zh}必须晚于现在", f"{en} must be in the future")
            if kind == "future" and when > at + timedelta(days=MAX_AHEAD_DAYS):
                raise _err(f"{zh}最多一年以后", f"{en} can be at most a year ahead")
            out[key] = when.isoformat()
    return out


def _miss(key: str, zh: str, en: str) -> Missing:
    return {"key": key, "zh": zh, "en": en}


def missing(stage: str, data: dict[str, Any], at: datetime, compensations: Iterable[str] = (),
            followup_done: bool = False) -> list[Missing]:
    """What ``stage`` still lacks before the complaint may move on ([] = ready). ``data`` is the case's whole
    stage data ({stage: {field: value}}); ``compensations`` the statuses of the case's compensation rows."""
    if stage not in REQUIRED:
        return [_miss("stage", "未知阶段", "Unknown stage")]
    mine = data.get(stage) or {}
    out = [_miss(k, f"请填写：{FIELDS[stage][k][1]}", f"Fill in: {FIELDS[stage][k][2]}")
           for k in REQUIRED[stage] if not mine.get(k)]
    if stage == "remedy":
        statuses = list(compensations)
        if "pending" in statuses:
            out.append(_miss("compensation_pending", "补偿申请还在等主管审批", "A compensation request awaits a "
                             "supervisor's decision"))
        elif mine.get("compensation") and not COMP_DONE.intersection(statuses):
            out.append(_miss("compensation", "方案含补偿，但补偿还没有发放或获批",
                             "The remedy includes compensation that is not granted or approved yet"))
    elif stage == "agreement":
        deadline = mine.get("deadline")
        if deadline and not mine.get("confirmed_at") and datetime.fromisoformat(deadline) <= at:
            out.append(_miss("deadline_passed", "完成期限已过，请重新约定", "The deadline has passed: agree a new one"))
        if not mine.get("sent_at"):
            out.append(_miss("sent", "还没有把协议发给买家", "The agreement has not been sent to the buyer"))
        elif not mine.get("confirmed_at"):
            out.append(_miss("confirmed", "等待买家确认协议", "Waiting for the buyer to confirm the agreement"))
    elif stage == "followup" and not followup_done:
        out.append(_miss("outcome", "回访还没有完成（结果）", "The follow-up visit is not done (outcome)"))
    elif stage == "done":
        out.append(_miss("done", "投诉已处理完毕", "The complaint is already done"))
    return out


def next_stage(stage: str) -> str | None:
    i = STAGES.index(stage) if stage in STAGES else -1
    return STAGES[i + 1] if 0 <= i < len(STAGES) - 1 else None


def may_reopen(current: str, target: str) -> bool:
    """A supervisor may send a complaint back to any earlier stage (never forward, never to where it is)."""
    return current in STAGES and target in STAGES and STAGES.index(target) < STAGES.index(current)


def is_angry(anger: float | None, emotion: str | None) -> bool:
    return (anger or 0.0) >= ANGRY_AT or emotion == "angry"


def heat(stage: str, angry: bool) -> list[dict[str, str]]:
    """The HEAT reminders to show at ``stage``: only while the buyer is angry."""
    if not angry:
        return []
    return [{"key": k, "zh": HEAT[k][0], "en": HEAT[k][1]} for k in HEAT_BY_STAGE.get(stage, ())]


def followup_due(at: datetime, days: int = FOLLOWUP_DAYS) -> datetime:
    return at + timedelta(days=days)


def check_flag(flag: str, note: str) -> tuple[str, str]:
    """A buyer-type flag needs a known type and the evidence that shows it."""
    if flag not in FLAGS:
        raise _err("买家类型应为委屈、发泄或恶意", "Flag must be wronged, venting or malicious")
    text = clean_text(note, "依据", "Evidence note", NOTE_CHARS)
    if not text:
        raise _err("请写下判断依据（买家说了什么、做了什么）", "Write the evidence (what the buyer said or did)")
    return flag, text
