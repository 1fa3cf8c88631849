"""`kefu aftersales explain CASE.json [--policy POLICY.json]`: one JSON object on stdout, or exit 2 naming the
problem (the file, the JSON or the field) on stderr."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kefu.cli import app

CASE = {"kind": "return", "reason": "changed_mind", "return_shipping": 12, "at": "2024-06-11T20:00:00+08:00",
        "order": {"paid": 199, "shipping_paid": 10, "delivered_at": "2024-06-01T10:00:00+08:00",
                  "category": "女装/连衣裙", "promo_price": None}}


def run(tmp_path, case, policy=None):
    case_file = tmp_path / "case.json"
    case_file.write_text(case if isinstance(case, str) else json.dumps(case, ensure_ascii=False), encoding="utf-8")
    args = ["aftersales", "explain", str(case_file)]
    if policy is not None:
        policy_file = tmp_path / "policy.json"
        policy_file.write_text(policy if isinstance(policy, str) else json.dumps(policy), encoding="utf-8")
        args += ["--policy", str(policy_file)]
    return CliRunner().invoke(app, args)


def test_default_policy_refuses_day_10(tmp_path):
    r = run(tmp_path, CASE)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["allowed"] is False and out["rule"] == "no_reason_window"
    assert "签收已 10 天" in out["reason_text"] and "7 天" in out["reason_text"]
    assert "\\u" not in r.stdout  # ensure_ascii=False: Chinese stays readable


def test_a_15_day_policy_allows_it(tmp_path):
    r = run(tmp_path, CASE, {"no_reason_days": 15})
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["allowed"], out["return_shipping_payer"], out["buyer_pays"], out["refund"]) == (True, "buyer", 12, 199)
    assert "15 天" in out["reason_text"]


def test_a_bad_case_names_its_field(tmp_path):
    r = run(tmp_path, {**CASE, "order": {**CASE["order"], "paid": -5}})
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "字段 order.paid" in r.stderr and "field order.paid" in r.stderr


def test_a_bad_policy_names_its_field(tmp_path):
    r = run(tmp_path, CASE, {"no_reason_days": 15, "fault_days": -1})
    assert r.exit_code == 2
    assert "policy.json" in r.stderr and "字段 fault_days" in r.stderr and "field fault_days" in r.stderr
    r = run(tmp_path, CASE, "[]")
    assert r.exit_code == 2 and "JSON object" in r.stderr


def test_missing_file_and_bad_json(tmp_path):
    r = CliRunner().invoke(app, ["aftersales", "explain", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "找不到文件" in r.stderr and "file not found" in r.stderr
    r = run(tmp_path, '{"kind": "return",\n "reason": }')
    assert r.exit_code == 2 and "第 2 行" in r.stderr and "line 2" in r.stderr
    (tmp_path / "gbk.json").write_bytes(json.dumps(CASE, ensure_ascii=False).encode("gbk"))
    r = CliRunner().invoke(app, ["aftersales", "explain", str(tmp_path / "gbk.json")])
    assert r.exit_code == 2 and "UTF-8" in r.stderr
