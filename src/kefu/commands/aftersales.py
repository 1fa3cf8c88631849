"""`kefu aftersales`: see what the shop's after-sale policy decides for a case, without a database."""

from __future__ import annotations

import json
from pathlib import Path

import typer

aftersales_app = typer.Typer(help="After-sales: what the shop's policy decides for a return, exchange or refund",
                             no_args_is_help=True)


def _fail(path: Path, zh: str, en: str):
    typer.echo(f"错误（{path}）：{zh} / error ({path}): {en}", err=True)
    raise typer.Exit(2)


def _load(path: Path):
    """A JSON file, UTF-8 (a byte-order mark is tolerated); any problem ends the command with exit code 2."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _fail(path, "找不到文件", "file not found")
    except UnicodeDecodeError:
        _fail(path, "文件不是 UTF-8 编码", "the file is not UTF-8 text")
    except OSError as exc:
        _fail(path, f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(path, f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）",
              f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")


def _messages(exc: ValueError) -> tuple[str, str]:
    message = exc.args[0] if exc.args else ""
    return message if isinstance(message, tuple) else (str(message), str(message))


@aftersales_app.command("explain")
def explain(case_file: Path = typer.Argument(..., metavar="CASE.json", help="the case: kind, reason, order, at"),
            policy_file: Path = typer.Option(None, "--policy", metavar="POLICY.json",
                                             help="the shop's policy (any subset of its fields; default: the "
                                                  "built-in policy)")) -> None:
    """Say what the policy decides for one case, as one JSON object.

    Whether it is allowed, the deciding rule, a sentence for the buyer, who pays the return parcel, the refund
    and whether the shop reships at once (docs/aftersales.md). Exit code 2 for a bad file, case or policy."""
    from kefu.aftersales import rules

    policy = rules.DEFAULT_POLICY
    if policy_file is not None:
        data = _load(policy_file)
        if not isinstance(data, dict):
            _fail(policy_file, "售后策略应为 JSON 对象", "the after-sale policy must be a JSON object")
        try:
            policy = rules.policy_from(data)
        except ValueError as exc:
            _fail(policy_file, *_messages(exc))
    case = _load(case_file)
    try:
        result = rules.explain(case, policy)
    except ValueError as exc:
        _fail(case_file, *_messages(exc))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
