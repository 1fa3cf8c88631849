"""The embedding model loads and works with the network cut; `kefu kb` commands on small files; demo KB."""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest
from typer.testing import CliRunner

from kefu.commands.kb import kb_app
from kefu.core.config import get_settings
from kefu.knowledge import index as ix

runner = CliRunner()


def test_embedding_model_loads_and_embeds_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    fresh = ix.Embedder()  # a new instance: loads the model from the wheel now, under the guard
    assert fresh.enabled
    v = fresh.embed(["退货运费谁出", "退回去的邮费由谁承担", "怎么开增值税发票"])
    assert v.shape == (3, ix.DIM) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_order_numbers_and_links_do_not_change_what_a_message_means():
    # The embedding sees the words, not the order number / link / masked token a buyer pasted, and a long
    # message only up to QUERY_CHARS, so one buyer's number never makes the bot miss a known question.
    assert ix.semantic_text("订单123456789012退货运费谁出？ https://shop.example/x [链接x]") == "订单 退货运费谁出?"
    assert ix.semantic_text("7天无理由退货") == "7天无理由退货"  # short numbers carry meaning
    assert len(ix.semantic_text("我要退货退款" * 100)) == ix.QUERY_CHARS
    v = ix.embedder.embed(["退货运费谁出", "退货运费谁出 9876543210123 [数字x]"], ix.QUERY_CHARS)
    assert np.allclose(v[0], v[1])


def test_large_index_rescoring_its_candidates_ranks_like_a_full_scan(monkeypatch):
    idx = ix.KnowledgeIndex(1, [])
    for i, (title, variants) in enumerate((("退货运费谁出", "退回去的邮费谁付|寄回运费"), ("怎么开发票", "发票怎么开"),
                                           ("退款多久到账", "钱什么时候退回来|退款什么时候到"))):
        doc = ix.Doc(i + 1, title, [title, *variants.split("|")], f"{title}的答复")
        doc.set_vectors(ix.embedder.embed(doc.embed_texts()))
        idx.add(doc)
    queries = ("退货的运费谁出", "开发票", "退款什么时候到账")
    full = [idx.search(q) for q in queries]
    monkeypatch.setattr(ix, "FULL_SCAN_ROWS", 0)  # as above 50,000 questions: only BM25's candidates
    for q, want in zip(queries, full, strict=True):
        got = idx.search(q)
        assert [h.article_id for h in got][:1] == [h.article_id for h in want][:1]
        assert got[0].semantic == pytest.approx(want[0].semantic, abs=2e-3)
    assert full[0][0].article_id == 1 and full[1][0].article_id == 2 and full[2][0].article_id == 3


def test_lexical_only_fallback(monkeypatch):
    monkeypatch.setenv("KEFU_KB_EMBEDDINGS", "0")
    assert not ix.embedder.enabled
    same, other = ix.pair_confidence("退货运费谁出", "退货的运费谁出"), ix.pair_confidence("退货运费", "开发票")
    assert same > 0.9 and other < 0.3


def test_eval_pairs_on_a_small_file(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("\ufeffq1,q2,label\n退货运费谁出,退货的邮费谁承担,1\n怎么开发票,能开发票吗,1\n"
                 "退货运费谁出,怎么开发票,0\n快递几天到,能开发票吗,0\n坏行,,x\n", encoding="utf-8")
    r = runner.invoke(kb_app, ["eval-pairs", str(f), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"auc", "best_f1", "threshold", "n"} and out["n"] == 4 and out["auc"] == 1.0
    r = runner.invoke(kb_app, ["eval-pairs", str(f)])
    assert r.exit_code == 0 and "TF-IDF" in r.output and "skipped rows 1" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert runner.invoke(kb_app, ["eval-pairs", str(bad)]).exit_code == 2


@pytest.fixture
def cli_db(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    from kefu.cli import app

    assert CliRunner().invoke(app, ["shop", "add", "kbshop", "知识店", "--no-starter"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_cli_import_search_export(cli_db):
    src = cli_db / "kb.jsonl"
    src.write_text("\n".join([
        json.dumps({"title": "退货运费谁出", "variants": ["退货邮费谁付"], "answer": "<p>买家承担寄回运费</p>",
                    "intent": "return"}, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "", "answer": "没有标题"}, ensure_ascii=False),
        json.dumps({"title": "怎么开发票", "answer": "订单页申请", "intent": "invoice"}, ensure_ascii=False)]),
        encoding="utf-8")
    r = runner.invoke(kb_app, ["import", str(src), "--shop", "kbshop"])
    assert r.exit_code == 0, r.output
    assert "created 2, updated 0, bad rows 2" in r.output and "row 2" in r.output
    r = runner.invoke(kb_app, ["search", "退货运费谁出", "--shop", "kbshop", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["title"] == "退货运费谁出"
    out = cli_db / "out.md"
    assert runner.invoke(kb_app, ["export", str(out), "--shop", "kbshop"]).exit_code == 0
    assert "## 怎么开发票" in out.read_text(encoding="utf-8")
    assert runner.invoke(kb_app, ["search", "x", "--shop", "nope"]).exit_code == 2


def test_demo_kb_is_complete_and_loads_idempotently(kb, monkeypatch):
    from kefu.knowledge.demo_kb import ARTICLES, TEMPLATES, load_demo_kb
    from kefu.knowledge.models import INTENTS, SCENES

    assert len(ARTICLES) >= 150 and {a[0] for a in ARTICLES} == set(INTENTS)
    assert {t[0] for t in TEMPLATES} == set(SCENES)
    monkeypatch.setenv("KEFU_KB_EMBEDDINGS", "0")  # keeps the test fast; vectors come with a real load
    shop = kb["world"].shop("演示知识库店")

    async def load():
        async with kb["world"].db.transaction() as s:
            return await load_demo_kb(s, shop.id)

    first = kb["world"].run(load)
    assert first == {"articles": len(ARTICLES), "templates": len(TEMPLATES), "synonyms": 2}
    assert kb["world"].run(load) == {"articles": 0, "templates": 0, "synonyms": 0}
