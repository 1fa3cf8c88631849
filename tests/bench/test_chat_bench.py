"""`kefu bench chat` and `kefu replay` end to end on SQLite, tiny: real server processes, a real load generator
process and the relay, as an operator runs them (the numbers themselves belong in docs/performance.md)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kefu.cli import app

KEYS = {"conversations", "rate_per_conversation", "delivered_per_s", "relay_delivered_per_s", "ratio", "ack_p50_ms",
        "ack_p99_ms", "delivery_p50_ms", "delivery_p99_ms", "errors", "server_rss_mb"}


@pytest.fixture
def sqlite_only(monkeypatch):
    """The benches pick PostgreSQL + Redis up from the environment; these tests are about the machinery."""
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    monkeypatch.delenv("KEFU_REDIS_URL", raising=False)


def _last_json(output: str) -> dict:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


def test_bench_chat_delivers_both_ways_on_kefu_and_the_relay(sqlite_only, tmp_path):
    out = tmp_path / "chat.json"
    r = CliRunner().invoke(app, ["bench", "chat", "--conversations", "5", "--agents", "1", "--rate", "3",
                                 "--duration", "1", "--drain", "20", "--reply-ratio", "0.5", "--json",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    printed = _last_json(r.output)
    assert printed.keys() >= KEYS
    assert printed["conversations"] == 5 and printed["rate_per_conversation"] == 3
    assert printed["errors"] == 0
    assert printed["delivered_per_s"] > 0 and printed["relay_delivered_per_s"] > 0
    assert printed["server_rss_mb"] > 0
    saved = json.loads(out.read_text())
    assert saved.keys() >= KEYS
    kefu = saved["kefu"]
    assert kefu["assigned"] == 5  # routing gave every buyer to the agent before the measured window
    assert kefu["undelivered"] == 0 and kefu["delivered"] == kefu["sent"]
    assert saved["relay"]["undelivered"] == 0 and saved["relay_errors"] == 0


def test_replay_delivers_every_line_once_and_in_order(sqlite_only, tmp_path):
    dialogues = tmp_path / "dialogues.jsonl"
    dialogues.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"turns": [{"role": "agent", "text": "您好，在的"},  # before the buyer's first line: left out
                   {"role": "customer", "text": "我的快递到哪了"}, {"role": "customer", "text": "单号尾号 8812"},
                   {"role": "agent", "text": "您好，已经到本市分拣中心了"}, {"role": "customer", "text": "好的谢谢"}]},
        {"id": "x", "turns": [{"role": "customer", "text": "这双鞋 42 码偏大吗"},
                              {"role": "agent", "text": "标准码，按平时穿的拍"},
                              {"role": "agent", "text": "脚背高的话建议大一码"}]},
    ]) + "\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["replay", str(dialogues), "--speedup", "50", "--json"])
    assert r.exit_code == 0, r.output
    got = _last_json(r.output)
    assert got["dialogues"] == 2 and got["messages"] == 7
    assert got["delivered"] == 7 and got["missing"] == 0 and got["duplicates"] == 0 and got["out_of_order"] == 0
    assert got["errors"] == 0 and got["tracebacks"] == 0
    assert got["buyer_to_agent"]["sent"] == 4 and got["agent_to_buyer"]["sent"] == 3
    assert got["closed_conversations"] == 2


def test_bench_chat_against_a_database_it_cannot_open_says_so_in_one_line(monkeypatch, tmp_path):
    """A typo in KEFU_DATABASE_URL (or a database not created yet) is a clear error, not a traceback."""
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/kefu_bench")
    monkeypatch.delenv("KEFU_REDIS_URL", raising=False)
    r = CliRunner().invoke(app, ["bench", "chat", "-n", "2", "--duration", "1", "--no-relay",
                                 "--out", str(tmp_path / "r.json")])
    assert r.exit_code == 2, r.output
    assert "cannot open the bench database" in r.output
    assert "Traceback" not in r.output
