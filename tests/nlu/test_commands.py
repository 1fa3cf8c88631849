"""`kefu nlu eval|predict|train` on small files the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.commands.nlu import nlu_app
from kefu.nlu import jobs

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
LABELS = Path(__file__).parent / "data" / "jd_intent_labels.jsonl"


def write(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_eval_intent_json(tmp_path):
    f = write(tmp_path / "i.jsonl", [{"text": "我的快递到哪了", "label": "logistics"},
                                     {"text": "怎么开发票", "label": "invoice"},
                                     {"text": "我要退款", "label": "refund"}])
    r = runner.invoke(nlu_app, ["eval", "intent", f, "--json", "--no-baseline"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"accuracy", "macro_f1", "n"} and out["n"] == 3 and out["accuracy"] == 1.0


def test_eval_emotion_maps_six_labels(tmp_path):
    f = write(tmp_path / "e.jsonl", [{"text": "气死我了，什么垃圾", "label": "angry"},
                                     {"text": "今天好开心", "label": "happy"},
                                     {"text": "好难过", "label": "sad"}])
    r = runner.invoke(nlu_app, ["eval", "emotion", f, "--json", "--no-baseline"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"accuracy", "anger_f1", "anger_precision", "anger_recall", "n"} and out["n"] == 3


def test_eval_polarity_table_with_baseline(tmp_path, monkeypatch):
    from kefu.nlu.data import generate

    monkeypatch.setattr(generate, "polarity_examples", lambda: [{"text": "很好吃", "label": "positive"},
                                                                {"text": "太难吃了", "label": "negative"}] * 5)
    f = write(tmp_path / "p.jsonl", [{"text": "味道很好，送得快", "label": "positive"},
                                     {"text": "难吃，送了两个小时", "label": "negative"}])
    r = runner.invoke(nlu_app, ["eval", "polarity", f])
    assert r.exit_code == 0, r.output
    assert "accuracy" in r.output and "baseline" in r.output


def test_eval_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "nonsense"}\n', encoding="utf-8")
    r = runner.invoke(nlu_app, ["eval", "intent", str(bad), "--json"])
    assert r.exit_code == 2 and "unknown label" in r.output
    r = runner.invoke(nlu_app, ["eval", "intent", str(tmp_path / "missing.jsonl")])
    assert r.exit_code == 2 and "not found" in r.output


def test_predict_prints_json():
    r = runner.invoke(nlu_app, ["predict", "订单123456789012怎么还没发货"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["intent"]["label"] == "logistics"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_train_with_shop_lines(tmp_path, monkeypatch):
    """Training writes loadable models; tiny generated sets keep the test fast."""
    from kefu.nlu import service
    from kefu.nlu.data import generate

    monkeypatch.setattr(jobs, "MAX_ITER", 5)
    original = generate.intent_examples
    monkeypatch.setattr(generate, "intent_examples", lambda: original(per_label=20))
    monkeypatch.setattr(generate, "emotion_examples", lambda: [{"text": "气死了", "label": "angry"},
                                                               {"text": "难过", "label": "negative"},
                                                               {"text": "好的", "label": "calm"}] * 3)
    monkeypatch.setattr(generate, "polarity_examples", lambda: [{"text": "好", "label": "positive"},
                                                                {"text": "差", "label": "negative"}] * 3)
    extra = write(tmp_path / "shop.jsonl", [{"text": "我们家的定制刻字多久做好", "label": "presale"}])
    monkeypatch.setattr(service, "MODEL_DIR", tmp_path / "models")
    service.reset()
    try:
        report = jobs.train(extra, model_dir=tmp_path / "models", echo=lambda *_: None)
        assert report["intent"]["n"] > 3
        assert service.analyze("退款").intent["label"] in generate.INTENTS
    finally:
        service.reset()


def test_jd_intent_dev_set(tmp_path):
    dialogues = SHARED / "jd_dialogues_dev.jsonl"
    if not dialogues.is_file():
        pytest.skip(f"{dialogues} absent: the shared development data is not here")
    n = jobs.build_jd_intent_dev(dialogues, LABELS, tmp_path / "jd.jsonl")
    assert n > 300
    result = jobs.evaluate("intent", tmp_path / "jd.jsonl", with_baseline=False)
    assert result["accuracy"] > 0.5
