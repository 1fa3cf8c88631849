"""Passwords (argon2), session tokens, signed visitor tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kefu.core.errors import Forbidden

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class VisitorClaims:
    shop_id: int
    customer_id: int
    visitor_id: str


class VisitorTokens:
    """Anonymous buyers carry a signed token naming their shop and customer row."""

    def __init__(self, secret: str, max_age_days: int = 365) -> None:
        self._s = URLSafeTimedSerializer(secret, salt="kefu.visitor")
        self._max_age = max_age_days * 86400

    def issue(self, claims: VisitorClaims) -> str:
        return self._s.dumps({"s": claims.shop_id, "c": claims.customer_id, "v": claims.visitor_id})

    def read(self, token: str | None) -> VisitorClaims:
        if not token:
            raise Forbidden("缺少访客凭证", "Missing visitor token", code="visitor_token_missing")
        try:
            data = self._s.loads(token, max_age=self._max_age)
            return VisitorClaims(int(data["s"]), int(data["c"]), str(data["v"]))
        except (BadSignature, KeyError, TypeError, ValueError) as exc:
            raise Forbidden("访客凭证无效", "Invalid visitor token", code="visitor_token_invalid") from exc
