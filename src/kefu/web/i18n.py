"""UI strings, Chinese first with an English switch (?lang=en, remembered in a cookie)."""

from __future__ import annotations

from fastapi import Request

LANGS = ("zh", "en")

ZH: dict[str, str] = {
    "app_name": "客服",
}

EN: dict[str, str] = {
    "app_name": "kefu",
}


def pick_lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("kefu_lang") or "zh"
    return lang if lang in LANGS else "zh"


def strings(lang: str) -> dict[str, str]:
    base = dict(ZH)
    if lang == "en":
        base.update(EN)
    return base
