"""Quick-reply lists: what an item may be, and what an agent's buttons are (pure functions)."""

from __future__ import annotations

from typing import Any

from kefu.core.errors import BadInput

MAX_ITEMS = 12
MAX_LABEL = 16
MAX_TEXT = 500
DEFAULTS_ROLES = frozenset({"admin", "trainer"})  # who sets a shop's default quick replies

# Until a shop's admin sets defaults, agents start from the four lines the reply box always had.
BUILTIN: tuple[dict[str, dict[str, str]], ...] = (
    {"zh": {"label": "问候", "text": "您好，很高兴为您服务，请问有什么可以帮您？"},
     "en": {"label": "Greeting", "text": "Hello! Happy to help. What can I do for you?"}},
    {"zh": {"label": "要订单号", "text": "麻烦您提供一下订单号，我马上帮您查询～"},
     "en": {"label": "Order no.", "text": "Could you share your order number? I'll look it up."}},
    {"zh": {"label": "稍等", "text": "好的，请您稍等，我这边核实一下。"},
     "en": {"label": "One moment", "text": "Sure, one moment while I check."}},
    {"zh": {"label": "结束语", "text": "感谢您的耐心等待，祝您生活愉快！"},
     "en": {"label": "Goodbye", "text": "Thanks for your patience, have a great day!"}},
)


def builtin(lang: str) -> list[dict[str, str]]:
    return [dict(b["en" if lang == "en" else "zh"]) for b in BUILTIN]


def clean_items(items: Any) -> list[dict]:
    """Validate a list to store: each item a template id or an own label + text; at most MAX_ITEMS,
    no template twice. Raises BadInput with what is wrong."""
    if not isinstance(items, list):
        raise BadInput("快捷回复必须是列表", "Quick replies must be a list", code="bad_quick_replies")
    if len(items) > MAX_ITEMS:
        raise BadInput(f"最多固定 {MAX_ITEMS} 条快捷回复", f"Pin at most {MAX_ITEMS} quick replies",
                       code="too_many_quick_replies")
    out: list[dict] = []
    for item in items:
        out.append(_clean_item(item))
    ids = [i["template_id"] for i in out if "template_id" in i]
    if len(ids) != len(set(ids)):
        raise BadInput("同一个话术模板只能固定一次", "A template can be pinned once", code="duplicate_quick_reply")
    return out


def _clean_item(item: Any) -> dict:
    if not isinstance(item, dict):
        raise BadInput("快捷回复格式无效", "Invalid quick reply", code="bad_quick_replies")
    tid = item.get("template_id")
    if tid is not None:
        if isinstance(tid, bool) or not isinstance(tid, int) or tid <= 0:
            raise BadInput("template_id 无效", "template_id must be a positive integer", code="bad_quick_replies")
        return {"template_id": tid}
    text, label = item.get("text"), item.get("label") or ""
    if not isinstance(text, str) or not isinstance(label, str):
        raise BadInput("快捷回复需要话术模板或文字", "A quick reply needs a template or text", code="bad_quick_replies")
    text, label = text.strip(), label.strip()
    if not text:
        raise BadInput("快捷回复的文字不能为空", "Quick reply text cannot be empty", code="quick_reply_empty")
    if len(text) > MAX_TEXT or len(label) > MAX_LABEL:
        raise BadInput(f"快捷回复过长：按钮名最多 {MAX_LABEL} 字，内容最多 {MAX_TEXT} 字",
                       f"Quick reply too long: label ≤ {MAX_LABEL}, text ≤ {MAX_TEXT} characters",
                       code="quick_reply_too_long")
    return {"label": label or text[:MAX_LABEL // 2], "text": text}


def resolve(items: list[dict], templates: dict[int, dict]) -> list[dict]:
    """The buttons to show: own lines as stored, template pins with the template's current title and body;
    pins of templates since deleted or switched off are left out."""
    out = []
    for item in items:
        if "template_id" in item:
            t = templates.get(item["template_id"])
            if t is not None:
                out.append({"template_id": t["id"], "label": t["title"][:MAX_LABEL], "text": t["body"],
                            "shortcut": t["shortcut"]})
        else:
            out.append({"label": item["label"], "text": item["text"]})
    return out


def may_edit_defaults(role: str) -> bool:
    return role in DEFAULTS_ROLES
