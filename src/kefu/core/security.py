"""Passwords (argon2), session tokens, signed visitor tokens and CSRF tokens."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kefu.core.errors import Forbidden, KefuError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# argon2 takes tens to hundreds of milliseconds of CPU by design. Run on the event loop, 40 logins at once held
# every chat for seconds; so hashing and checking run in a small pool of their own (argon2-cffi releases the
# GIL), at most HASH_QUEUE at a time per process — past that a login is told to retry at once instead of queuing
# behind a flood of guesses.
HASH_THREADS, HASH_QUEUE = 2, 64
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="kefu-argon2")
_in_flight = 0
_dummy_hash: str | None = None


async def _off_loop(fn, *args):
    global _in_flight
    if _in_flight >= HASH_QUEUE:
        raise KefuError("登录请求过多，请稍后重试", "Too many logins at once, please retry in a moment",
                        code="login_busy", status=503, extra={"retry_after": 1})
    _in_flight += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)
    finally:
        _in_flight -= 1


async def hash_password_async(password: str) -> str:
    return await _off_loop(hash_password, password)


async def check_password_async(password_hash: str | None, password: str) -> bool:
    """``password_hash`` None (no such user, or disabled): the same work against a stand-in hash, so an unknown
    name answers no faster than a wrong password."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = await _off_loop(hash_password, new_token())
        await _off_loop(verify_password, _dummy_hash, password)
        return False
    return await _off_loop(verify_password, password_hash, password)


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
