"""`kefu kb`: import, export and search a shop's knowledge base; evaluate the matcher on question pairs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

kb_app = typer.Typer(help="Knowledge base: import / export / search articles, evaluate the FAQ matcher",
                     no_args_is_help=True)
SHOP = typer.Option(None, "--shop", help="shop slug (default: the only shop, or 'demo')")


def _fail(zh: str, en: str, code: int = 2):
    typer.echo(f"错误 / error: {zh} / {en}", err=True)
    raise typer.Exit(code)


async def _shop_id(session, slug: str | None) -> int:
    from sqlalchemy import select

    from kefu.shops.models import Shop

    if slug:
        shop_id = await session.scalar(select(Shop.id).where(Shop.slug == slug))
    else:
        rows = list(await session.execute(select(Shop.id, Shop.slug)))
        demo = [i for i, s in rows if s == "demo"]
        shop_id = rows[0][0] if len(rows) == 1 else (demo[0] if demo else None)
    if shop_id is None:
        _fail("找不到店铺，请用 --shop 指定", "shop not found: pass --shop SLUG")
    return shop_id


def _run(fn):
    from kefu.core.db import with_database
    from kefu.core.errors import KefuError

    try:
        return asyncio.run(with_database(fn))
    except KefuError as exc:
        _fail(exc.zh, exc.en)


@kb_app.command("import")
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help=".csv, .jsonl or .md"),
            shop: str = SHOP, fmt: str = typer.Option(None, "--format", help="csv | jsonl | md (default: extension)"),
            ) -> None:
    """Import articles; bad rows are reported and skipped, good rows are kept (same title = new version)."""
    from kefu.knowledge import porting

    kind = _run_sync(lambda: porting.format_of(file.name, fmt))
    with file.open("rb") as f:
        total = sum(1 for _ in porting.PARSERS[kind](porting.text_lines(f)))

    async def go(db):
        async with db.transaction() as s:
            shop_id = await _shop_id(s, shop)
        with file.open("rb") as f, typer.progressbar(length=total, label="importing") as bar:
            return await porting.import_rows(db, shop_id, None, porting.PARSERS[kind](porting.text_lines(f)),
                                             progress=bar.update)

    report = _run(go)
    typer.echo(f"created {report['created']}, updated {report['updated']}, bad rows {report['bad']}")
    for e in report["errors"][:50]:
        typer.echo(f"  {e['zh']} / {e['en']}", err=True)
    if report["bad"] > 50:
        typer.echo(f"  … and {report['bad'] - 50} more bad rows", err=True)


def _run_sync(fn):
    from kefu.core.errors import KefuError

    try:
        return fn()
    except KefuError as exc:
        _fail(exc.zh, exc.en)


@kb_app.command("export")
def export(file: Path = typer.Argument(..., dir_okay=False, help=".csv, .jsonl or .md"), shop: str = SHOP,
           fmt: str = typer.Option(None, "--format", help="csv | jsonl | md (default: extension)")) -> None:
    """Export the shop's live articles."""
    from kefu.knowledge import porting

    kind = _run_sync(lambda: porting.format_of(file.name, fmt))

    async def go(db):
        async with db.transaction() as s:
            shop_id = await _shop_id(s, shop)
        n = 0
        with file.open("w", encoding="utf-8", newline="") as out:
            for chunk in await porting.export_articles(db, shop_id, kind):
                out.write(chunk)
                n += 1
        return n

    _run(go)
    typer.echo(f"written {file}")


@kb_app.command("search")
def search(query: str = typer.Argument(..., help='e.g. "退货运费谁出"'), shop: str = SHOP,
           limit: int = typer.Option(5, help="hits to show"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Search the shop's knowledge base as the agent workspace does (hybrid lexical + semantic)."""
    import re

    from kefu.knowledge import service

    async def go(db):
        async with db.transaction() as s:
            return await service.search(s, await _shop_id(s, shop), query, limit=limit)

    hits = _run(go)
    if as_json:
        typer.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        typer.echo("没有找到 / no match")
    bold = lambda h: re.sub(r"<mark>(.*?)</mark>", lambda m: typer.style(m.group(1), bold=True), h)  # noqa: E731
    for i, h in enumerate(hits, 1):
        typer.echo(f"{i}. [{h['score']:.3f} conf {h['confidence']:.2f}] {bold(h['title_html'])}  (#{h['article_id']})")
        typer.echo(f"   {bold(h['snippet_html'])}")


@kb_app.command("eval-pairs")
def eval_pairs(file: Path = typer.Argument(..., help="CSV with columns q1,q2,label (1 = same question)"),
               as_json: bool = typer.Option(False, "--json", help='print {"auc","best_f1","threshold","n"}'),
               no_baseline: bool = typer.Option(False, "--no-baseline", help="skip the TF-IDF baseline")) -> None:
    """Score every pair with the FAQ bot's matcher; print AUC, best F1 and its threshold beside TF-IDF."""
    from kefu.knowledge import jobs

    try:
        pairs, _, _ = jobs.read_pairs(str(file))
        if as_json:
            r = jobs.eval_pairs(str(file), with_baseline=False)
        else:
            with typer.progressbar(length=len(pairs), label="scoring") as bar:
                r = jobs.eval_pairs(str(file), progress=bar.update, with_baseline=not no_baseline)
    except jobs.DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({k: r[k] for k in ("auc", "best_f1", "threshold", "n")}))
        return
    typer.echo(f"{'':<40}{'AUC':>8}{'best F1':>9}{'threshold':>11}")
    name = f"kefu matcher ({r['matcher']})"
    typer.echo(f"{name:<40}{r['auc']:>8.4f}{r['best_f1']:>9.4f}{r['threshold']:>11.4f}")
    if "baseline" in r:
        b = r["baseline"]
        typer.echo(f"{'baseline ' + b['name']:<40}{b['auc']:>8.4f}{b['best_f1']:>9.4f}{b['threshold']:>11.4f}")
    typer.echo(f"pairs {r['n']} ({r['positives']} positive), skipped rows {r['skipped']}")
