"""Orders as pure functions: what an order may hold (checked the same way for an admin's entry, a CSV row and
the shop's own system's JSON), the connector settings, the identity rule's two views of an order, phone
masking, the order card and the 催付 reminder's wording. No database, no network: unit-tested alone."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

STATUSES = ("unpaid", "paid", "shipped", "delivered", "completed", "cancelled", "refunded")
LOGISTICS = ("none", "in_transit", "delayed", "delivered", "returned", "lost")
MAX_FEN = 100_000_000  # ¥1,000,000: no order of a shop kefu serves is larger; a typo in yuan/fen is
MAX_ITEMS = 50
MAX_WRONG_TRIES = 5  # wrong last-4 answers in one chat before kefu refuses further tries
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 5000
NUMBER = re.compile(r"[A-Za-z0-9-]{4,32}")
LAST4 = re.compile(r"\d{4}")

DEFAULT_SETTINGS = {"mode": "builtin", "base_url": "", "token": "", "timeout": 3.0, "remind_delay_minutes": 30,
                    "auto_remind": False}

_TEXT_CAPS = {"buyer_ref": 64, "buyer_name": 64, "buyer_phone": 32, "address": 500, "category": 20,
              "payment_method": 16, "carrier": 32, "tracking_number": 64, "logistics_note": 500}
_TIMES = ("placed_at", "paid_at", "shipped_at", "delivered_at")


class OrderError(ValueError):
    """A field of an order that cannot be taken: ``field`` names it, zh/en say why."""

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field, self.zh, self.en = field, zh, en


def _fen(value, field: str, *, optional: bool = False) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise OrderError(field, f"{field} 必填", f"{field} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise OrderError(field, f"{field} 应为整数（分）", f"{field} must be a whole number of fen")
    if not 0 <= value <= MAX_FEN:
        raise OrderError(field, f"{field} 应在 0 到 {MAX_FEN} 分之间", f"{field} must be 0 to {MAX_FEN} fen")
    return value


def yuan_to_fen(text: str, field: str, *, optional: bool = False) -> int | None:
    """'199.00' / '199' / '¥199.5' → fen; a CSV carries yuan like a person writes them."""
    text = (text or "").strip().lstrip("¥￥").replace(",", "")
    if not text:
        return _fen(None, field, optional=optional)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise OrderError(field, f"{field} 不是金额：{text[:20]}", f"{field} is not an amount: {text[:20]}") from None
    if not d.is_finite() or not 0 <= d <= MAX_FEN / 100:
        raise OrderError(field, f"{field} 应在 0 到 {MAX_FEN // 100} 元之间",
                         f"{field} must be 0 to {MAX_FEN // 100} yuan")
    if d != d.quantize(Decimal("0.01")):
        raise OrderError(field, f"{field} 最多两位小数", f"{field} has more than two decimals")
    return _fen(int(d * 100), field)


def _time(value, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            raise OrderError(field, f"{field} 不是 ISO 时间", f"{field} is not an ISO time") from None
    if t.tzinfo is None:  # a shop writes its own local time: Beijing
        t = t.replace(tzinfo=UTC) - timedelta(hours=8)
    return t.astimezone(UTC)


def _text(data: dict, field: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise OrderError(field, f"{field} 应为文本", f"{field} must be text")
    value = str(value).strip()
    if len(value) > _TEXT_CAPS[field]:
        raise OrderError(field, f"{field} 过长（最多 {_TEXT_CAPS[field]} 字）",
                         f"{field} is too long (at most {_TEXT_CAPS[field]} characters)")
    return value


def _items(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise OrderError("items", f"items 应为最多 {MAX_ITEMS} 件商品的列表", f"items must be a list of at most "
                         f"{MAX_ITEMS} entries")
    out = []
    for i, it in enumerate(value):
        if not isinstance(it, dict) or not str(it.get("name") or "").strip():
            raise OrderError(f"items[{i}]", f"第 {i + 1} 件商品缺少名称", f"item {i + 1} has no name")
        qty = it.get("qty", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 9999:
            raise OrderError(f"items[{i}].qty", f"第 {i + 1} 件商品数量应为 1–9999",
                             f"item {i + 1}: qty must be 1-9999")
        out.append({"sku": str(it.get("sku") or "")[:64], "name": str(it["name"]).strip()[:100], "qty": qty,
                    "price_fen": _fen(it.get("price_fen", 0), f"items[{i}].price_fen"),
                    "category": str(it.get("category") or "")[:20]})
    return out


def check_order(data: dict) -> dict:
    """One order's fields, checked and normalised (money in fen, times in UTC): the columns of ``orders`` and
    the fields of ``OrderView``. Raises OrderError naming the first bad field."""
    if not isinstance(data, dict):
        raise OrderError("order", "订单应为 JSON 对象", "an order must be a JSON object")
    number = str(data.get("number") or "").strip()
    if not NUMBER.fullmatch(number):
        raise OrderError("number", "订单号应为 4–32 位字母、数字或短横线",
                         "number must be 4-32 letters, digits or dashes")
    status = data.get("status")
    if status not in STATUSES:
        raise OrderError("status", "status 应为 " + "/".join(STATUSES), "status must be one of " + ", ".join(STATUSES))
    logistics = data.get("logistics_status") or "none"
    if logistics not in LOGISTICS:
        raise OrderError("logistics_status", "logistics_status 应为 " + "/".join(LOGISTICS),
                         "logistics_status must be one of " + ", ".join(LOGISTICS))
    out = {"number": number, "status": status, "logistics_status": logistics, "items": _items(data.get("items")),
           "total_fen": _fen(data.get("total_fen"), "total_fen"), "shipping_fen": _fen(data.get("shipping_fen", 0),
                                                                                          "shipping_fen"),
           "promo_price_fen": _fen(data.get("promo_price_fen"), "promo_price_fen", optional=True)}
    for field in _TEXT_CAPS:
        out[field] = _text(data, field)
    out["buyer_ref"] = out["buyer_ref"] or None
    out["buyer_phone"] = out["buyer_phone"] or None
    if not out["category"] and out["items"]:
        out["category"] = out["items"][0]["category"]
    for field in _TIMES:
        out[field] = _time(data.get(field), field)
    if out["placed_at"] is None:
        raise OrderError("placed_at", "placed_at（下单时间）必填", "placed_at is required")
    return out


# --- CSV import --------------------------------------------------------------------------------------------

CSV_COLUMNS = ("number", "buyer_ref", "buyer_name", "buyer_phone", "address", "status", "items", "category",
               "total", "shipping", "payment_method", "carrier", "tracking_number", "logistics_status",
               "placed_at", "paid_at", "shipped_at", "delivered_at")
_ITEM = re.compile(r"^(.+?)[×xX*](\d{1,4})(?:[×xX*@]\s*[¥￥]?([\d.]+))?$")


def _csv_items(text: str) -> list[dict]:
    """'针织开衫 米白 M×1×199.00; 袜子×2×9.90' → items (name × qty × unit price in yuan)."""
    out = []
    for i, part in enumerate(p.strip() for p in re.split(r"[;；]", text or "") if p.strip()):
        m = _ITEM.match(part)
        if not m:
            out.append({"name": part, "qty": 1, "price_fen": 0})
            continue
        out.append({"name": m.group(1).strip(), "qty": int(m.group(2)),
                    "price_fen": yuan_to_fen(m.group(3) or "0", f"items[{i}]")})
    return out


def parse_csv(data: bytes) -> tuple[list[dict], list[dict]]:
    try:
        return _parse_csv(data)
    except csv.Error as exc:  # a stray quote or line break the csv module cannot place
        raise OrderError("file", f"CSV 格式不正确：{exc}", f"malformed CSV: {exc}") from None


def _parse_csv(data: bytes) -> tuple[list[dict], list[dict]]:
    """The orders of a CSV file (UTF-8, with or without BOM; header row with CSV_COLUMNS, money in yuan) and
    the rows that cannot be taken: [{"row": line number, "field", "zh", "en"}]. An import applies only when
    there are no errors (the caller refuses the whole file otherwise)."""
    if len(data) > CSV_MAX_BYTES:
        raise OrderError("file", f"文件超过 {CSV_MAX_BYTES // 1024 // 1024} MB", "the file is over 2 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OrderError("file", "文件不是 UTF-8 编码的 CSV", "the file is not UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("number", "status", "total", "placed_at") if c not in (reader.fieldnames or [])]
    if missing:
        raise OrderError("header", "表头缺少列：" + "、".join(missing), "the header lacks: " + ", ".join(missing))
    orders, errors, seen = [], [], set()
    for row in reader:
        line = reader.line_num
        if len(orders) + len(errors) >= CSV_MAX_ROWS:
            raise OrderError("file", f"最多 {CSV_MAX_ROWS} 行", f"at most {CSV_MAX_ROWS} rows")
        row = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            fields = {k: v for k, v in row.items() if k in CSV_COLUMNS and k not in ("items", "total", "shipping")}
            fields["items"] = _csv_items(row.get("items", ""))
            fields["total_fen"] = yuan_to_fen(row.get("total", ""), "total")
            fields["shipping_fen"] = yuan_to_fen(row.get("shipping", ""), "shipping", optional=True) or 0
            fields["logistics_status"] = fields.get("logistics_status") or "none"
            order = check_order(fields)
            if order["number"] in seen:
                raise OrderError("number", "订单号在文件中重复", "the number appears twice in the file")
            seen.add(order["number"])
            orders.append(order)
        except OrderError as e:
            errors.append({"row": line, "field": e.field, "zh": e.zh, "en": e.en})
    if not orders and not errors:
        raise OrderError("file", "文件里没有订单", "the file has no orders")
    return orders, errors


# --- settings ---------------------------------------------------------------------------------------------


def check_settings(new: dict, old: dict) -> dict:
    """The connector settings the admin saves. ``token``: None keeps the stored one, "" clears it."""
    out = {**DEFAULT_SETTINGS, **old}
    mode = new.get("mode", out["mode"])
    if mode not in ("builtin", "http"):
        raise OrderError("mode", "mode 应为 builtin 或 http", "mode must be builtin or http")
    base = (new.get("base_url") if new.get("base_url") is not None else out["base_url"]).strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise OrderError("base_url", "接口地址应以 http:// 或 https:// 开头", "base_url must be an http(s) URL")
    if mode == "http" and not base:
        raise OrderError("base_url", "对接订单系统需要填写接口地址", "the HTTP connector needs a base_url")
    timeout = new.get("timeout", out["timeout"])
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 10:
        raise OrderError("timeout", "超时应在 1–10 秒之间", "timeout must be 1 to 10 seconds")
    delay = new.get("remind_delay_minutes", out["remind_delay_minutes"])
    if isinstance(delay, bool) or not isinstance(delay, int) or not 5 <= delay <= 1440:
        raise OrderError("remind_delay_minutes", "催付延迟应在 5–1440 分钟之间",
                         "the reminder delay must be 5 to 1440 minutes")
    token = new.get("token")
    token = out["token"] if token is None else token.strip()
    if len(token) > 500:
        raise OrderError("token", "令牌过长", "the token is too long")
    return {"mode": mode, "base_url": base, "token": token, "timeout": float(timeout),
            "remind_delay_minutes": delay, "auto_remind": bool(new.get("auto_remind", out["auto_remind"]))}


def settings_out(settings: dict) -> dict:
    """What the browser sees: never the token, only whether one is set."""
    s = {**DEFAULT_SETTINGS, **settings}
    return {k: v for k, v in s.items() if k != "token"} | {"token_set": bool(s["token"])}


# --- what the agent and the buyer see ---------------------------------------------------------------------


def last4(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def summary(out: dict) -> dict:
    """An order of a buyer not yet identified: its number and status, nothing else."""
    return {"number": out["number"], "status": out["status"], "needs_verification": True}


def is_unpaid_due(status: str, placed_at: datetime | None, delay_minutes: int, at: datetime) -> bool:
    return status == "unpaid" and placed_at is not None and placed_at <= at - timedelta(minutes=delay_minutes)


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def card(out: dict) -> tuple[dict, str]:
    """The order card sent into a chat, and its plain line (lists, previews, transcripts)."""
    items = out.get("items") or []
    first = items[0]["name"] if items else ""
    count = sum(int(i.get("qty") or 1) for i in items)
    c = {"kind": "order", "number": out["number"], "item": first, "count": count, "total_fen": out["total_fen"],
         "status": out["status"], "logistics_status": out["logistics_status"], "carrier": out.get("carrier") or "",
         "tracking_number": out.get("tracking_number") or ""}
    more = f" 等{count}件" if count > 1 else ""
    return c, f"订单 {out['number']}：{first}{more}，实付 ¥{yuan(out['total_fen'])}"


def remind_text(out: dict) -> str:
    """The 催付 reminder: polite, with the order and what it costs, no pressure."""
    items = out.get("items") or []
    what = f"「{items[0]['name']}」" if items else ""
    return (f"您好，您在本店的订单 {out['number']}{what}还没有完成付款（应付 ¥{yuan(out['total_fen'])}）。"
            "商品已为您预留，方便的时候付款即可，我们会尽快安排发货；如有疑问，随时在这里告诉我们。")
