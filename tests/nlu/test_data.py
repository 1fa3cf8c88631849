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
