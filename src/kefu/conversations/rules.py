"""Message hygiene and conversation status rules. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from types import SimpleNamespace

from kefu.attachments.rules import IMAGE_PLACEHOLDER
from kefu.core.errors import BadInput, Conflict, Forbidden, KefuError
from kefu.core.validation import MAX_ID
from kefu.nlu.rules import MAX_MODEL_CHARS

MAX_MESSAGE_CHARS = 5000
MAX_CLIENT_ID = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
OPEN_STATUSES = ("waiting", "assigned")
LANGS = ("zh", "en")  # the buyer widget's languages; kefu's automatic messages to the buyer follow it


def is_id(value: object) -> bool:
    """An id or sequence number as a socket frame may carry it (0 to MAX_ID, never a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def strip_control(text: str) -> str:
    """Windows line breaks made plain, Unicode NFC, control and invisible formatting characters removed, trimmed
    (full-width and no-break spaces stay: they are text)."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n"))).strip()


def clean_text(text: object, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Normalize a message body or raise a clear 4xx. Never silently truncates."""
    if not isinstance(text, str):
        raise BadInput("消息内容必须是文字", "Message text must be a string", code="message_not_text")
    text = strip_control(text)
    if not text:
        raise BadInput("消息不能为空", "Message cannot be empty", code="message_empty")
    if len(text) > max_chars:
        raise BadInput(f"消息过长：最多 {max_chars} 字，当前 {len(text)} 字",
                       f"Message too long: at most {max_chars} characters, got {len(text)}",
                       code="message_too_long", status=413)
    return text


def clean_body(text: object, has_image: bool) -> str:
    """A message's text; an image sent without words gets a placeholder ("[图片]") so lists and previews read it."""
    if has_image and (text is None or (isinstance(text, str) and not text.strip())):
        return IMAGE_PLACEHOLDER
    return clean_text(text)


def clean_client_msg_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_CLIENT_ID or not value.isprintable():
        raise BadInput("client_msg_id 无效（最多 64 个可见字符）", "client_msg_id must be ≤ 64 printable characters",
                       code="bad_client_msg_id")
    return value


def clean_lang(value: object) -> str:
    """The widget language a buyer's first message opens a conversation in: absent → "zh", else zh or en."""
    if value is None or value == "":
        return LANGS[0]
    if value not in LANGS:
        raise BadInput("lang 只能是 zh 或 en", "lang must be zh or en", code="bad_lang")
    return value


def preview(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def check_can_close(status: str) -> None:
    if status == "closed":
        raise Conflict("会话已结束", "Conversation is already closed", code="already_closed")


def check_can_reopen(status: str) -> None:
    if status != "closed":
        raise Conflict("会话尚未结束，无需重新打开", "Conversation is still open", code="not_closed")


# Who may answer or close a chat a colleague serves: seniors (who step in when a case is beyond an agent),
# supervisors and admins. Anyone on the team may leave a private note in it.
OVERSEE_ROLES = frozenset({"senior", "supervisor", "admin"})


def check_may_answer(status: str, assignee_id: int | None, agent) -> None:
    """An assigned chat is its agent's: a plain colleague may add a private note but not answer the buyer or
    close it (taking it is refused too: check_can_take); a transfer hands it over properly."""
    if status == "assigned" and assignee_id not in (None, agent.id) and agent.role not in OVERSEE_ROLES:
        raise Forbidden("该会话由其他同事接待：您可以添加内部备注，或请对方或主管转接给您",
                        "A colleague serves this chat: add a private note, or ask them or a supervisor to transfer "
                        "it to you", code="not_your_chat")


def check_can_take(status: str, assignee_id: int | None, agent_id: int) -> None:
    if status == "closed":
        raise Conflict("会话已结束，请先重新打开", "Conversation is closed; reopen it first", code="closed")
    if status == "assigned" and assignee_id not in (None, agent_id):
        raise Conflict("该会话已被其他客服接待", "Another agent already took this conversation",
                       code="already_assigned")


def read_changes(reader: str, seq: int, last_seq: int, agent_read_seq: int, agent_unread: int,
                 buyer_read_seq: int) -> dict:
    """A read receipt up to ``seq`` (already within 0..last_seq): the columns it moves, {} when none."""
    if reader == "agent":
        if seq <= agent_read_seq and agent_unread == 0:
            return {}
        read = max(agent_read_seq, seq)
        return {"agent_read_seq": read, **({"agent_unread": 0} if read >= last_seq else {})}
    return {"buyer_read_seq": seq} if seq > buyer_read_seq else {}


def status_after_reopen(assignee_id: int | None) -> str:
    return "assigned" if assignee_id else "waiting"


# --- what a conversation's messages add up to -----------------------------------------------------------

ANGER_DECAY = 0.8  # one furious message keeps the conversation hot for a few calmer turns
ANGRY_AT = 0.5
INTENT_SETTLED_AT = 0.6


def stored_analysis(analysis: dict) -> dict:
    """The part of a message analysis kept with the message (tokens and the masked copy are recomputable)."""
    out = {"intent": analysis["intent"], "emotion": {k: analysis["emotion"][k] for k in ("label", "anger", "abusive")},
           "entities": {k: v for k, v in analysis["entities"].items() if v}, "wants_human": analysis["wants_human"]}
    if analysis.get("small_talk"):
        out["small_talk"] = analysis["small_talk"]  # a greeting, thanks or "好的": no request in it
    return out


def opened_by_small_talk(intent: str | None, confidence: float | None) -> bool:
    """The buyer has only said hello (or sent an image) so far: greetings leave the intent as "other" with no
    confidence (conversation_mood), so routing can wait a moment for what they want."""
    return intent is None or (intent == "other" and not confidence)


ASKED_FOR_A_PERSON = 0.01  # the intent confidence of a chat whose buyer only said hello and pressed 转人工


def conversation_mood(prev_intent: str | None, prev_confidence: float, prev_anger: float, prev_abusive: bool,
                      analysis: dict) -> dict:
    """Fold one buyer message's analysis into the conversation's intent and emotion.

    Intent comes from the buyer's substantive messages only: a greeting, thanks or "好的" (analysis["small_talk"],
    see kefu.nlu.small_talk) leaves it as it was, or opens it as "other" with no confidence, so the first real
    request replaces it. A real request also replaces an "other" read earlier (e.g. from a greeting before
    small talk was recognised); a confident reading settles it; until then the most confident reading so far
    wins, and "other" never replaces a real request.
    Anger: the higher of this message's anger and the previous level decayed by ANGER_DECAY.
    """
    label, conf = analysis["intent"]["label"], float(analysis["intent"]["confidence"])
    intent, confidence = prev_intent, prev_confidence
    if analysis.get("small_talk"):
        if prev_intent is None:
            intent, confidence = "other", 0.0
    else:
        replaces_other = prev_intent == "other" and label != "other"
        more_sure = (prev_confidence < INTENT_SETTLED_AT and conf > prev_confidence
                     and (label != "other" or prev_intent == "other"))
        if prev_intent is None or replaces_other or more_sure:
            intent, confidence = label, conf
    anger = max(float(analysis["emotion"]["anger"]), prev_anger * ANGER_DECAY)
    abusive = prev_abusive or bool(analysis["emotion"]["abusive"])
    emotion = "angry" if anger >= ANGRY_AT or abusive else analysis["emotion"]["label"]
    if emotion == "angry" and anger < ANGRY_AT:
        anger = max(anger, ANGRY_AT)
    return {"intent": intent, "intent_confidence": round(confidence, 4), "emotion": emotion,
            "anger": round(anger, 4), "abusive": abusive}


# --- the buyer's 转人工 button ------------------------------------------------------------------------------

HUMAN_REQUESTED = {"zh": "您已申请人工客服，请稍候", "en": "You asked for a person. Please hold on."}
ASKS_FOR_HUMAN = {"wants_human": True}  # what the FAQ bot reads from a typed 转人工, for the button


# --- what one message changes in its conversation row -----------------------------------------------------

CONTEXT_LINES = 3  # earlier buyer lines message understanding reads with a new one
ROUTING_KEYS = ("intent", "intent_confidence", "anger", "abusive")
BUYER_KEYS = ("status", "agent_unread", "first_message_at", *ROUTING_KEYS)


def buyer_changes(conv: dict, context: list[str], text: str, analysis: dict | None, at) -> tuple[dict, bool]:
    """What one buyer message changes in its conversation row (``conv``: the row's BUYER_KEYS), and whether
    routing must look again: a waiting buyer whose words moved what routing reads (routing_view)."""
    changes = {"agent_unread": conv["agent_unread"] + 1, "buyer_context": next_context(context, text)}
    if conv["first_message_at"] is None:
        changes["first_message_at"] = at
    if analysis is not None:
        changes.update(conversation_mood(conv["intent"], conv["intent_confidence"] or 0.0, conv["anger"] or 0.0,
                                         bool(conv["abusive"]), analysis))
    return changes, conv["status"] == "waiting" and routing_view(conv) != routing_view({**conv, **changes})


def next_context(context: list[str], text: str) -> list[str]:
    """The buyer's last CONTEXT_LINES lines after ``text``, as the conversation row keeps them. Each is cut to its
    last MAX_MODEL_CHARS: the models read only the joined lines' last MAX_MODEL_CHARS, which this leaves intact."""
    return [*context, text[-MAX_MODEL_CHARS:]][-CONTEXT_LINES:]


AGENT_KEYS = ("status", "assignee_id", "group", "first_response_at", "last_seq")


def agent_changes(conv: dict, agent, private: bool, at) -> tuple[dict, bool]:
    """What an agent's message changes in its conversation row (``conv``: the row's AGENT_KEYS), and whether
    routing must look again. An answer (not a private note) takes a waiting chat, naming who serves the buyer
    in the answer itself, and reads what came before; a closed chat must be reopened first."""
    if private:
        return {}, False
    if conv["status"] == "closed":
        check_can_take(conv["status"], conv["assignee_id"], agent.id)
    check_may_answer(conv["status"], conv["assignee_id"], agent)
    changes = {"agent_read_seq": conv["last_seq"] + 1, "agent_unread": 0}
    if conv["first_response_at"] is None:
        changes["first_response_at"] = at
    if conv["status"] == "waiting":
        changes.update(assigned_to(conv["group"], agent), announced_agent_id=agent.id)
    return changes, conv["status"] == "waiting"


def routing_view(conv: dict, angry_at: float = ANGRY_AT) -> tuple:
    """What routing reads of a waiting buyer's words (ROUTING_KEYS): a message that leaves this alone, calm
    anger's drift below the angry line included, changes nobody's place in the queue."""
    anger = conv["anger"] or 0.0
    return (conv["intent"], bool(conv["abusive"]), anger if anger >= angry_at else 0.0,
            opened_by_small_talk(conv["intent"], conv["intent_confidence"]))


def assigned_to(group: str | None, agent) -> dict:
    """A conversation's columns once ``agent`` serves it (its group stays, else it takes the agent's)."""
    return {"status": "assigned", "assignee_id": agent.id, "group": group or agent.group, "waiting_since": None}


def take_line(conv, line, stored: set, at) -> tuple | None:
    """One chat line as lines stored together take it (kefu.chatlines.service.store_lines): (the message
    row, what changed in the conversation, whether routing must look again), its changes folded into
    ``conv`` (the row, read under its lock); None when the ordinary path must take it: a buyer's line in a
    chat nobody serves (the bot's turn) or understood with other lines than the row's, an agent's line in a
    chat not assigned, anything refused, a client_msg_id already in ``stored`` (added to it when taken)."""
    agent = line.agent
    try:
        text = clean_body(line.text, False)
        cmid = clean_client_msg_id(line.client_msg_id)
        if agent is None:
            if conv.status != "assigned" or line.ahead is None or line.ahead[0] != conv.buyer_context:
                return None
            analysis = stored_analysis(line.ahead[1])
            changes, routing = buyer_changes({k: getattr(conv, k) for k in BUYER_KEYS}, conv.buyer_context, text,
                                             analysis, at)
        else:
            if conv.status != "assigned":
                return None
            analysis = None
            changes, routing = agent_changes({k: getattr(conv, k) for k in AGENT_KEYS}, agent, line.private, at)
    except KefuError:
        return None
    scope = {(conv.id, cmid), ("buyer", conv.customer_id, cmid)} if cmid is not None else set()
    if conv.shop_id != line.shop_id or scope & stored:
        return None
    stored |= scope
    private = line.private and agent is not None
    changes["last_seq"] = conv.last_seq + 1
    if not private:
        changes |= {"last_message_at": at, "last_preview": preview(text)}
    for key, value in changes.items():
        setattr(conv, key, value)
    msg = SimpleNamespace(shop_id=conv.shop_id, conversation_id=conv.id, seq=conv.last_seq,
                          sender="buyer" if agent is None else "agent", text=text,
                          agent_id=agent.id if agent else None, private=private, client_msg_id=cmid,
                          analysis=analysis, attachment=None, created_at=at)
    return msg, changes, routing
