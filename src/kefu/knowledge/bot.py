"""The FAQ bot's turn in a conversation (service functions; the decisions are bot_rules.bot_decide).

Wiring (done by the chat loop, not here): call `greet` when a conversation opens and `handle_buyer_message`
after each buyer message is stored, inside the same transaction. The bot stays silent once a human has the
conversation or after it handed off; its messages are ordinary messages with sender="bot", so the transcript
is already in the queue when a human takes over. Its own lines are in the conversation's language (the buyer
widget's, zh or en); articles' answers go out as written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversations import service as chat
from kefu.conversations.models import Conversation, Message
from kefu.core.clock import as_utc, now
from kefu.core.errors import Forbidden, NotFound
from kefu.knowledge import bot_rules, rules, service
from kefu.knowledge.models import Article, BotLog
from kefu.nlu import rules as nlu
from kefu.shops.models import Shop

MAX_BOT_TEXT = 4000


async def state(session: AsyncSession, conv: Conversation) -> dict:
    rows = list(await session.scalars(select(BotLog).where(BotLog.shop_id == conv.shop_id,
                                                           BotLog.conversation_id == conv.id).order_by(BotLog.id)))
    low, pending = 0, []
    for r in rows:
        if r.action == "clarify":
            low += 1
        elif r.action in ("answer", "handoff"):
            low = 0
        if r.action != "greet":  # a line back to "好的" or "在吗" keeps the question's options open
            pending = list(r.options or []) if r.action == "clarify" else []
    last = rows[-1] if rows else None
    return {"greeted": any(r.action == "greet" for r in rows), "handed_off": any(r.action == "handoff" for r in rows),
            "low_streak": low, "pending_options": pending,
            "answers": sum(1 for r in rows if r.action == "answer"),
            "last_greeting_message": last.message_id if last and last.reason == "greeting" else None}


def bot_may_speak(conv: Conversation) -> bool:
    return conv.status == "waiting" and conv.assignee_id is None


async def prepare(session: AsyncSession, shop_id: int, conv: Conversation | None, text: str) -> bool | None:
    """The match needs the message's embedding (an e5 pass, 10-60 ms on one core). The chat loop calls this
    before it locks the conversation, with the buyer's open conversation as it read it then (None: none), so
    the pass stays out of every lock: the search inside the locked part finds it in the embedding cache.
    Skipped when a person already has the conversation (no knowledge-base query either). Returns whether the
    shop has a knowledge base (None when skipped)."""
    if conv is None or bot_may_speak(conv):
        return await service.prepare_match(session, shop_id, text)
    return None


async def speaks(session: AsyncSession, conv: Conversation, has_kb: bool | None = None) -> bool:
    """Whether the bot takes this turn: nobody serves the buyer yet and the shop has articles (``has_kb``:
    already known, None to ask)."""
    if not bot_may_speak(conv):
        return False
    return has_kb if has_kb is not None else await service.has_articles(session, conv.shop_id)


async def answer(session: AsyncSession, conv: Conversation, text: str, analysis: dict, has_kb: bool | None) -> None:
    """While a buyer waits for a person, the bot may answer from the shop's knowledge base (in the chat loop's
    transaction, so a retried message never gets two answers). Shops without articles have no bot; ``has_kb``
    is what prepare() found out already (None: not asked)."""
    if not await speaks(session, conv, has_kb):
        return
    await greet(session, conv)  # once per conversation, before its first answer
    await handle_buyer_message(session, conv, text, analysis=analysis)


async def _post(session: AsyncSession, conv: Conversation, decision: bot_rules.BotDecision, query: str) -> dict:
    text = decision.text[:MAX_BOT_TEXT] or bot_rules.bot_text(conv.lang)["no_answer"]
    log = BotLog(shop_id=conv.shop_id, conversation_id=conv.id, action=decision.action, reason=decision.reason,
                 article_id=decision.article_id, confidence=decision.confidence, query=query[:500],
                 options=[o["article_id"] for o in decision.options], created_at=now())
    session.add(log)
    await session.flush()
    # What the widget needs to show rating buttons or option chips travels with the message itself.
    meta = {"bot": {"log_id": log.id, "action": decision.action,
                    "options": [{"n": i, "article_id": o["article_id"], "title": o["title"]}
                                for i, o in enumerate(decision.options, start=1)]}}
    msg = await chat.post_system_message(session, conv, text, sender="bot", meta=meta)
    log.message_id = msg.id
    out = decision.to_dict()
    out["options"] = [{"article_id": o["article_id"], "title": o["title"]} for o in decision.options]
    return {**out, "log_id": log.id, "message_id": msg.id, "seq": msg.seq}


async def greet(session: AsyncSession, conv: Conversation) -> dict | None:
    """Post the bot's greeting once per conversation (None when already greeted or a human has it)."""
    if not bot_may_speak(conv) or (await state(session, conv))["greeted"]:
        return None
    shop = await session.get(Shop, conv.shop_id)
    return await _post(session, conv, bot_rules.bot_greeting(shop.name if shop else "", conv.lang), "")


async def _options(session: AsyncSession, shop_id: int, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    rows = {a.id: a for a in await session.scalars(select(Article).where(Article.shop_id == shop_id,
                                                                         Article.id.in_(ids)))}
    return [{"article_id": i, "title": rows[i].title, "answer_text": rules.plain_text(rows[i].answer)}
            for i in ids if i in rows]


async def handle_buyer_message(session: AsyncSession, conv: Conversation, text: str, *,
                               analysis: dict | None = None) -> dict | None:
    """Answer, clarify (top 3) or hand off; None when the bot must stay silent. `analysis` is
    kefu.nlu.service.analyze(text).to_dict() when the caller has it (emotion and wants_human)."""
    if not bot_may_speak(conv):
        return None
    st = await state(session, conv)
    if st["handed_off"]:
        return None
    small_talk = analysis.get("small_talk") if analysis else nlu.small_talk(text)
    if small_talk and await _greeting_just_answered(session, conv, st):
        return None  # "你好" as the first line: the greeting the bot just sent is the whole answer
    cands = [] if small_talk else await service.candidates(session, conv.shop_id, text)
    emotion = (analysis or {}).get("emotion") or {}
    options = await _options(session, conv.shop_id, st["pending_options"])
    if options and not small_talk:
        scores = await service.option_scores(session, conv.shop_id, bot_rules.follow_up_query(text),
                                             [o["article_id"] for o in options])
        for o in options:
            o["match"], o["overlap"] = scores.get(o["article_id"], (0.0, 0.0))
    decision = bot_rules.bot_decide(
        text, cands, low_streak=st["low_streak"],
        wants_human=analysis.get("wants_human") if analysis else None,
        emotion=emotion.get("label"), abusive=emotion.get("abusive") if analysis else None,
        small_talk=small_talk, pending_options=options, lang=conv.lang)
    return await _post(session, conv, decision, text)


async def _greeting_just_answered(session: AsyncSession, conv: Conversation, st: dict) -> bool:
    """Whether the bot's last line is its greeting, sent right after this buyer message (nothing since)."""
    if st["last_greeting_message"] is None:
        return False
    seq = await session.scalar(select(Message.seq).where(Message.id == st["last_greeting_message"]))
    return seq is not None and seq >= conv.last_seq


async def rate(session: AsyncSession, shop_id: int, customer_id: int, log_id: int | None, helpful: bool, *,
               message_id: int | None = None) -> BotLog:
    """A buyer rates one bot answer helpful or not (the last rating counts), by log id or by the bot
    message the widget shows."""
    key = BotLog.id == log_id if message_id is None else BotLog.message_id == message_id
    log = await session.scalar(select(BotLog).where(key, BotLog.shop_id == shop_id))
    if log is None or log.action != "answer":
        raise NotFound("找不到这条机器人回答", "Bot answer not found", code="bot_answer_not_found")
    conv = await session.get(Conversation, log.conversation_id)
    if conv is None or conv.customer_id != customer_id:
        raise Forbidden("这不是您的会话", "This conversation belongs to someone else", code="not_your_conversation")
    log.helpful = helpful
    return log


async def stats(session: AsyncSession, shop_id: int, since: datetime | None = None) -> dict:
    """Resolution rate (answered, never handed off, not rated unhelpful) and helpful share of ratings, over the
    bot's turns from `since` (a datetime without an offset is UTC); `answered` counts conversations it answered
    at least once."""
    stmt = select(BotLog.conversation_id, BotLog.action, BotLog.helpful).where(BotLog.shop_id == shop_id)
    if since is not None:
        stmt = stmt.where(BotLog.created_at >= as_utc(since))  # SQLite compares the stored UTC wall clock
    rows = [(c, a, h) for c, a, h in (await session.execute(stmt)).all() if a != "greet"]
    return {**rules.resolution_stats(rows), "answered": len({c for c, a, _h in rows if a == "answer"})}
