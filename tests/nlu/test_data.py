"""The project's own training lines: deterministic, labeled with the contract's labels, and the anger calibration."""

from kefu.nlu import jobs, service
from kefu.nlu.data import compose, generate


def test_daily_posts_and_reviews_are_deterministic_and_labeled():
    small = {"angry": 30, "sad": 10, "fear": 5, "happy": 10, "surprise": 5, "neutral": 10}
    a, b = compose.daily_posts(counts=small), compose.daily_posts(counts=small)
    assert a == b and {r["label"] for r in a} == set(generate.EMOTIONS)
    assert all(r["text"] and "{" not in r["text"] for r in a)
    r1, r2 = compose.reviews(n=200), compose.reviews(n=200)
    assert r1 == r2 and {r["label"] for r in r1} == {"positive", "negative"}
    assert all("{" not in r["text"] for r in r1)


def test_every_intent_has_many_phrases():
    phrases = generate.sections("intents.txt")
    assert set(phrases) == set(generate.INTENTS)
    assert all(len(v) >= 25 for v in phrases.values())


def test_calibrated_anger_puts_the_threshold_on_one_half():
    assert service._calibrated(0.4, 0.4) == 0.5
    assert service._calibrated(0.0, 0.4) == 0.0 and service._calibrated(1.0, 0.4) == 1.0
    assert service._calibrated(0.2, 0.4) < 0.5 < service._calibrated(0.6, 0.4)
    assert service._calibrated(0.3, 0.5) == 0.3


def test_anger_threshold_falls_back_on_tiny_sets():
    assert jobs.anger_threshold([{"text": "气死了", "label": "angry"}] * 10) == 0.5


def test_training_and_serving_weigh_features_alike():
    """jobs.weigh (training) and _Linear.weigh (serving) give the same vector, with and without an idf table."""
    import numpy as np

    texts = ["退款退款怎么还没到", "快递到哪了？？？", "发票"]
    counts = jobs.count_matrix(texts)
    idf = jobs.idf_table(counts)
    lin = service._Linear.__new__(service._Linear)
    for table in (None, idf):
        lin.idf = table
        trained = jobs.weigh(counts, table)
        for row, text in enumerate(texts):
            idx, val = jobs.featurize(text)
            served = dict(zip(idx, lin.weigh(idx, val), strict=True))
            dense = trained.getrow(row)
            assert np.allclose([served[i] for i in dense.indices], dense.data, atol=1e-5)


def test_data_files_continue_their_sections():
    phrases = generate.sections("intents.txt")
    jd = (generate.HERE / "intents_jd.txt").read_text(encoding="utf-8")
    assert "这个{p}是全新的吗 有没有翻新的" in jd and "这个{p}是全新的吗 有没有翻新的" in phrases["presale"]
    assert len(generate.sections("emotions_daily.txt")["angry"]) > 150


def test_daily_posts_use_only_the_given_phrases():
    """The anger threshold is chosen on posts composed from held-out phrases only: no leak into them."""
    sec = {k: ["甲"] if k in compose.DAILY_TO_EMOTION else ["乙"] for k in generate.sections("emotions_daily.txt")}
    sec["angry"] = ["丙丙丙"]
    small = {"angry": 5, "sad": 3, "fear": 2, "happy": 2, "surprise": 2, "neutral": 2}
    rows = compose.daily_posts(counts=small, sec=sec)
    assert all("{" not in r["text"] for r in rows)
    assert all(r["label"] == "angry" for r in rows if "丙丙丙" in r["text"] and "甲" not in r["text"])


def test_fourth_round_batches_are_read():
    phrases = generate.sections("intents.txt")
    assert "退款到账了没有 我没收到短信" in phrases["refund"]
    daily = generate.sections("emotions_daily.txt")
    assert "投诉了也没用，最后还是自己认了" in daily["sad"]
