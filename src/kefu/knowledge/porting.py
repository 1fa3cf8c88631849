"""Import and export of knowledge articles as CSV, JSONL or Markdown.

Import streams: rows are parsed one at a time, validated, embedded outside any transaction and written
in batches of 100, one transaction per batch, so a 100,000-row file never holds the database's write lock
for long. A bad row is reported (row number, reason) and skipped; good rows around it are kept. An
article whose title already exists in the shop is updated (a new version) instead of duplicated.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import select

from kefu.core.db import Database
from kefu.core.errors import BadInput, KefuError
from kefu.knowledge import index as ix
from kefu.knowledge import rules, service
from kefu.knowledge.models import Article

FORMATS = ("csv", "jsonl", "md")
COLUMNS = ("title", "variants", "answer", "category", "intent", "tags", "products", "valid_from", "valid_to")
ALIASES = {"标题": "title", "问题": "title", "相似问题": "variants", "相似问法": "variants", "答案": "answer",
           "回答": "answer", "分类": "category", "意图": "intent", "标签": "tags", "商品": "products",
           "适用商品": "products", "生效时间": "valid_from", "生效": "valid_from", "失效时间": "valid_to",
           "失效": "valid_to", "question": "title", "questions": "variants", "similar": "variants"}
MAX_REPORTED = 1000
BATCH = 100


def format_of(filename: str, explicit: str | None = None) -> str:
    fmt = (explicit or filename.rsplit(".", 1)[-1]).lower().lstrip(".")
    fmt = {"markdown": "md", "json": "jsonl", "ndjson": "jsonl"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise BadInput("只支持 CSV、JSONL 和 Markdown 文件", "Only CSV, JSONL and Markdown files are supported",
                       code="bad_format")
    return fmt


def _key(name: str) -> str:
    name = (name or "").strip().lstrip("\ufeff").lower()
    return ALIASES.get(name, name)


def _date(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        d = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError as exc:
        raise BadInput(f"日期格式不对：{value}（应为 2026-01-31）", f"Bad date: {value} (use 2026-01-31)",
                       code="bad_date") from exc
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def to_fields(row: dict) -> dict:
    """A raw row (any format) as validated article fields; raises BadInput on a bad row."""
    row = {_key(k): v for k, v in row.items() if k is not None}
    fields = {k: row.get(k) for k in COLUMNS if k in row}
    for k in ("valid_from", "valid_to"):
        fields[k] = _date(fields.get(k))
    data = rules.check_article(**{k: fields.get(k) for k in COLUMNS})
    return {k: getattr(data, k) for k in COLUMNS}


# ---------------------------------------------------------------- parsing (pure)
def parse_csv(lines: Iterable[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    reader = csv.DictReader(lines)
    for row in reader:
        if None in row:
            yield reader.line_num, None, "too many columns"
        else:
            yield reader.line_num, row, None


def parse_jsonl(lines: Iterable[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            yield n, None, f"invalid JSON: {exc.args[0][:80]}"
            continue
        yield (n, row, None) if isinstance(row, dict) else (n, None, "not a JSON object")


_META = re.compile(r"^[-*]\s*([^:：]{1,12})[:：]\s*(.*)$")


def _md_answer(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    if text.startswith("<"):
        return text
    out, items = [], []
    for block in re.split(r"\n\s*\n", text):
        rows = [r.strip() for r in block.splitlines() if r.strip()]
        bullets = [r[2:] for r in rows if r[:2] in ("- ", "* ")]
        if rows and len(bullets) == len(rows):
            items = "".join(f"<li>{html.escape(b)}</li>" for b in bullets)
            out.append(f"<ul>{items}</ul>")
        elif rows:
            out.append("<p>" + "<br>".join(html.escape(r) for r in rows) + "</p>")
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", "".join(out))


def parse_md(lines: Iterable[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    """`## title`, then `- 相似问题：a | b`, `- 分类：…`, `- 意图：…`, `- 标签：…`, `- 商品：…`, `- 生效时间：…`,
    `- 失效时间：…` lines, then the answer (Markdown paragraphs and `- ` lists, or HTML)."""
    start, row, body, in_meta = 0, None, [], False

    def done():
        if row is not None:
            return start, {**row, "answer": _md_answer(body)}, None
        return None

    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if line.startswith("## "):
            if (item := done()) is not None:
                yield item
            start, row, body, in_meta = n, {"title": line[3:].strip()}, [], True
            continue
        if row is None:
            continue
        m = _META.match(line.strip()) if in_meta else None
        if m and _key(m.group(1)) in COLUMNS:
            row[_key(m.group(1))] = m.group(2).strip()
            continue
        if line.strip() or body:
            in_meta = False
            body.append(line)
    if (item := done()) is not None:
        yield item


PARSERS = {"csv": parse_csv, "jsonl": parse_jsonl, "md": parse_md}


# ---------------------------------------------------------------- import
async def import_rows(db: Database, shop_id: int, by: int | None, rows: Iterable[tuple[int, dict | None, str | None]],
                      progress: Callable[[int], None] | None = None) -> dict:
    """Import parsed rows; returns {"created", "updated", "bad", "errors": [{"row", "zh", "en"}]}."""
    report = {"created": 0, "updated": 0, "bad": 0, "errors": []}

    def bad(n: int, zh: str, en: str) -> None:
        report["bad"] += 1
        if len(report["errors"]) < MAX_REPORTED:
            report["errors"].append({"row": n, "zh": zh, "en": en})

    batch: list[tuple[int, dict]] = []

    async def flush() -> None:
        if not batch:
            return
        if ix.embedder.enabled:  # warm the embedding cache outside the transaction
            texts = [t for _, f in batch for t in [f["title"], *f["variants"], rules.plain_text(f["answer"])[:200]]]
            await asyncio.to_thread(ix.embedder.embed, texts)
        async with db.transaction() as s:
            titles = [f["title"] for _, f in batch]
            existing = {a.title: a.id for a in await s.scalars(select(Article).where(
                Article.shop_id == shop_id, Article.title.in_(titles)))}
            for _, f in batch:
                if f["title"] in existing:
                    await service.update_article(s, shop_id, by, existing[f["title"]], f, note="导入")
                    report["updated"] += 1
                else:
                    a = await service.create_article(s, shop_id, by, f, note="导入")
                    existing[a.title] = a.id
                    report["created"] += 1
        batch.clear()

    for n, row, error in rows:
        if error is not None:
            bad(n, f"第 {n} 行格式错误：{error}", f"row {n}: {error}")
        else:
            try:
                batch.append((n, to_fields(row)))
            except KefuError as exc:
                bad(n, f"第 {n} 行：{exc.zh}", f"row {n}: {exc.en}")
        if progress:
            progress(1)
        if len(batch) >= BATCH:
            await flush()
    await flush()
    return report


def text_lines(binary: io.BufferedIOBase | io.RawIOBase) -> Iterator[str]:
    """Decode an uploaded file line by line (UTF-8 with or without BOM, else GB18030)."""
    head = binary.read(4096)
    try:
        (head + b"\n").decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    binary.seek(0)
    yield from io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


# ---------------------------------------------------------------- export
def _iso_date(d: datetime | None) -> str:
    return d.isoformat() if d else ""


def export_row(a: Article) -> dict:
    return {"title": a.title, "variants": list(a.variants or []), "answer": a.answer, "category": a.category,
            "intent": a.intent, "tags": list(a.tags or []), "products": list(a.products or []),
            "valid_from": _iso_date(a.valid_from), "valid_to": _iso_date(a.valid_to)}


def render_export(articles: Iterable[Article], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS)
        w.writeheader()
        yield "\ufeff" + buf.getvalue()
        for a in articles:
            buf.seek(0)
            buf.truncate()
            r = export_row(a)
            w.writerow({**r, "variants": "|".join(r["variants"]), "tags": "|".join(r["tags"]),
                        "products": "|".join(r["products"])})
            yield buf.getvalue()
    elif fmt == "jsonl":
        for a in articles:
            yield json.dumps(export_row(a), ensure_ascii=False) + "\n"
    else:
        yield "# 知识库导出 / knowledge base export\n\n"
        for a in articles:
            r = export_row(a)
            meta = [("相似问题", " | ".join(r["variants"])), ("分类", r["category"]), ("意图", r["intent"]),
                    ("标签", ", ".join(r["tags"])), ("商品", ", ".join(r["products"])),
                    ("生效时间", r["valid_from"]), ("失效时间", r["valid_to"])]
            lines = [f"## {a.title}"] + [f"- {k}：{v}" for k, v in meta if v] + ["", a.answer.strip(), "", ""]
            yield "\n".join(lines)


async def export_articles(db: Database, shop_id: int, fmt: str) -> Iterator[str]:
    async with db.transaction() as s:
        rows = list(await s.scalars(select(Article).where(Article.shop_id == shop_id, Article.active.is_(True))
                                    .order_by(Article.id)))
    return render_export(rows, fmt)
