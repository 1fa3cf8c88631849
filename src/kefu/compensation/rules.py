"""Compensation within authority, as pure functions (no database, no I/O). Money is integer fen (分).

Kinds: a coupon (优惠券), a small gift (小礼品), a shipping refund (运费补偿) and a partial refund (部分退款).
Each role has a limit per case and per day and a list of the kinds it may give without asking; ``None`` is no
limit. What counts:

- per case: everything already given on the case (granted at once or approved), whoever gave it — a case
  that already got more than an agent may give goes back to a supervisor;
- per day: what this person gave that shop-local day (their own grants, and the requests they approved).

``decide`` says whether one more compensation is within a role's authority and, either way, why (which limit,
how much is left), in Chinese and English. ``check_limits`` validates the admin's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kefu.agents.models import ROLES

KINDS = ("coupon", "gift", "shipping_refund", "partial_refund")
KIND_ZH = {"coupon": "优惠券", "gift": "小礼品", "shipping_refund": "运费补偿", "partial_refund": "部分退款"}
KIND_EN = {"coupon": "coupon", "gift": "small gift", "shipping_refund": "shipping refund",
           "partial_refund": "partial refund"}
STATUSES = ("granted", "pending", "approved", "rejected")
COUNTED = ("granted", "approved")  # what counts against the limits
MAX_AMOUNT_FEN = 10_000_000  # ¥100,000: one compensation
MAX_LIMIT_FEN = 100_000_000  # ¥1,000,000: a limit the admin sets (None: no limit)
NOTE_CHARS = 500
_MINOR = ("coupon", "gift", "shipping_refund")

# Defaults for a small Chinese shop: a coupon or a gift settles most small grievances; a partial refund is
# money out of the shop and starts with seniors.
DEFAULT_LIMITS: dict = {"roles": {
    "agent": {"per_case_fen": 2_000, "per_day_fen": 10_000, "kinds": list(_MINOR)},
    "emotion_support": {"per_case_fen": 2_000, "per_day_fen": 10_000, "kinds": list(_MINOR)},
    "senior": {"per_case_fen": 5_000, "per_day_fen": 30_000, "kinds": list(KINDS)},
    "supervisor": {"per_case_fen": 20_000, "per_day_fen": 200_000, "kinds": list(KINDS)},
    "trainer": {"per_case_fen": 0, "per_day_fen": 0, "kinds": []},
    "admin": {"per_case_fen": None, "per_day_fen": None, "kinds": list(KINDS)},
}}


def yuan(fen: int) -> str:
    """¥ text of an amount in fen: 2000 → "20", 1250 → "12.50"."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if not cents else f"{whole}.{cents:02d}"


def _bad(field: str, zh: str, en: str) -> ValueError:
    return ValueError((f"字段 {field}：{zh}", f"field {field}: {en}"))


def to_fen(value, field: str = "amount") -> int:
    """A positive amount in yuan (number or text, at most 2 decimals, at most ¥100,000) as fen."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _bad(field, "应为金额（元）", "must be an amount in yuan") from None
    if not d.is_finite():
        raise _bad(field, "应为金额（元）", "must be an amount in yuan")
    if d <= 0:
        raise _bad(field, "金额必须大于 0", "must be more than 0")
    if d > Decimal(MAX_AMOUNT_FEN) / 100:
        raise _bad(field, f"金额不能超过 ¥{yuan(MAX_AMOUNT_FEN)}", f"must be at most ¥{yuan(MAX_AMOUNT_FEN)}")
    if d != d.quantize(Decimal("0.01")):
        raise _bad(field, "最多两位小数（分）", "at most 2 decimals (fen)")
    return int(d * 100)


# ---------------------------------------------------------------- the admin's limits

def _limit(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(field, "应为整数（分）或 null（不限）", "must be a whole number of fen or null (no limit)")
    if value < 0:
        raise _bad(field, "不能为负数", "must not be negative")
    if value > MAX_LIMIT_FEN:
        raise _bad(field, f"不能超过 {MAX_LIMIT_FEN} 分", f"must be at most {MAX_LIMIT_FEN} fen")
    return value


def check_limits(data) -> dict:
    """Validate the admin's limits {"roles": {role: {per_case_fen, per_day_fen, kinds}}}; a role left out keeps
    its default. Raises ValueError((zh, en)) naming the field. Returns the full, clean table."""
    if not isinstance(data, dict) or set(data) - {"roles"}:
        raise _bad("limits", "应为 {\"roles\": {…}}", 'must be {"roles": {…}}')
    roles = data.get("roles", {})
    if not isinstance(roles, dict):
        raise _bad("roles", "应为按角色的对象", "must be an object keyed by role")
    out = {}
    for role in ROLES:
        given = roles.get(role)
        if given is None:
            out[role] = dict(DEFAULT_LIMITS["roles"][role])
            continue
        path = f"roles.{role}"
        if not isinstance(given, dict):
            raise _bad(path, "应为对象", "must be an object")
        extra = set(given) - {"per_case_fen", "per_day_fen", "kinds"}
        if extra:
            raise _bad(f"{path}.{sorted(extra)[0][:40]}", "未知字段", "unknown key")
        per_case = _limit(given.get("per_case_fen"), f"{path}.per_case_fen")
        per_day = _limit(given.get("per_day_fen"), f"{path}.per_day_fen")
        if per_day is not None and (per_case is None or per_day < per_case):
            raise _bad(f"{path}.per_day_fen", "每日额度不能小于单笔（每单）额度",
                       "the daily limit must not be below the per-case limit")
        kinds = given.get("kinds", [])
        if not isinstance(kinds, list) or len(kinds) > len(KINDS) * 2:
            raise _bad(f"{path}.kinds", "应为补偿方式列表", "must be a list of kinds")
        for k in kinds:
            if k not in KINDS:
                raise _bad(f"{path}.kinds", f"未知的补偿方式（可用：{'、'.join(KINDS)}）",
                           f"unknown kind (known: {', '.join(KINDS)})")
        out[role] = {"per_case_fen": per_case, "per_day_fen": per_day, "kinds": [k for k in KINDS if k in kinds]}
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise _bad(f"roles.{str(sorted(unknown)[0])[:40]}", f"未知角色（可用：{'、'.join(ROLES)}）",
                   f"unknown role (known: {', '.join(ROLES)})")
    return {"roles": out}


def limits_from(stored: dict | None) -> dict:
    """The shop's table as stored (no row: the defaults); a stored table that no longer validates → defaults."""
    if not stored:
        return check_limits(DEFAULT_LIMITS)
    try:
        return check_limits(stored)
    except ValueError:
        return check_limits(DEFAULT_LIMITS)


# ---------------------------------------------------------------- one decision

@dataclass(frozen=True)
class Decision:
    ok: bool
    rule: str  # within / kind_not_allowed / case_limit / day_limit
    zh: str
    en: str
    case_left_fen: int | None  # None: no limit
    day_left_fen: int | None

    def out(self) -> dict:
        return {"within": self.ok, "rule": self.rule, "reason": {"zh": self.zh, "en": self.en},
                "case_left_fen": self.case_left_fen, "day_left_fen": self.day_left_fen}


def left(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(0, limit - used)


def _money(fen: int | None) -> tuple[str, str]:
    return ("不限", "no limit") if fen is None else (f"¥{yuan(fen)}", f"¥{yuan(fen)}")


def decide(role: str, kind: str, amount_fen: int, granted_on_case: int, granted_today: int,
           limits: dict) -> Decision:
    """Whether ``role`` may give ``amount_fen`` of ``kind`` on a case that already got ``granted_on_case``, by
    someone who already gave ``granted_today`` today — and why, with what is left (before this one)."""
    lim = limits["roles"].get(role) or {"per_case_fen": 0, "per_day_fen": 0, "kinds": []}
    up_zh, up_en = ("店铺管理员", "a shop admin") if role in ("supervisor", "admin") else ("主管", "a supervisor")
    case_left = left(lim["per_case_fen"], granted_on_case)
    day_left = left(lim["per_day_fen"], granted_today)
    cz, ce = _money(case_left)
    dz, de = _money(day_left)
    if kind not in lim["kinds"]:
        return Decision(False, "kind_not_allowed", f"您的角色不能直接给{KIND_ZH.get(kind, kind)}，需{up_zh}审批",
                        f"Your role may not give a {KIND_EN.get(kind, kind)}; {up_en} must approve",
                        case_left, day_left)
    if case_left is not None and amount_fen > case_left:
        return Decision(False, "case_limit", f"超出每单权限：本单还可给 {cz}，需{up_zh}审批",
                        f"Beyond the per-case limit: {ce} left on this case; {up_en} must approve",
                        case_left, day_left)
    if day_left is not None and amount_fen > day_left:
        return Decision(False, "day_limit", f"超出今日权限：今日还可给 {dz}，需{up_zh}审批",
                        f"Beyond today's limit: {de} left today; {up_en} must approve", case_left, day_left)
    return Decision(True, "within", f"在权限内：本单还可给 {cz}，今日还可给 {dz}",
                    f"Within authority: {ce} left on this case, {de} left today", case_left, day_left)


def refund_room(paid_fen: int, already_fen: int) -> int:
    """How much partial refund a case's order still allows: what the buyer paid (goods + shipping) minus the
    case's refund and the partial refunds already given."""
    return max(0, paid_fen - already_fen)
