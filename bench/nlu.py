"""`kefu bench nlu`: latency and throughput of the full analysis, beside a char TF-IDF baseline, on one core.

Messages are generated from the project's own phrases (no external data needed). Results go to
bench/results/nlu.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "nlu.json"


def _messages(n: int, seed: int = 11) -> list[str]:
    from kefu.nlu.data import generate

    rows = generate.intent_examples(per_label=max(1, n // 15 + 1), seed=seed)
    random.Random(seed).shuffle(rows)
    return [r["text"] for r in rows[:n]]


def _timed(fn, messages: list[str]) -> dict:
    for m in messages[:50]:
        fn(m)  # warm-up
    lat = []
    t0 = time.perf_counter()
    for m in messages:
        s = time.perf_counter()
        fn(m)
        lat.append((time.perf_counter() - s) * 1000)
    total = time.perf_counter() - t0
    lat.sort()
    return {"p50_ms": round(statistics.median(lat), 3), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 3),
            "msgs_per_s": round(len(messages) / total, 1), "n": len(messages)}


def run(n: int = 3000, out: Path = RESULTS, echo=print) -> dict:
    """Measure kefu.nlu.analyze() and the baseline; print a table and write JSON."""
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    from kefu.nlu import jobs, service
    from kefu.nlu.data import generate

    t0 = time.perf_counter()
    service.load()
    load_s = time.perf_counter() - t0
    messages = _messages(n)
    ours = _timed(lambda m: service.analyze(m), messages)
    intent_base = jobs.baseline(generate.intent_examples())
    emotion_base = jobs.baseline(generate.emotion_examples())
    base = _timed(lambda m: (intent_base.predict([m]), emotion_base.predict([m])), messages)
    result = {"kefu_full_analysis": ours, "baseline_tfidf_lr_intent_emotion": base, "model_load_s": round(load_s, 3),
              "model_bytes": sum(p.stat().st_size for p in service.MODEL_DIR.glob("*.npz"))}
    echo(f"{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'msgs/s':>10}")
    echo(f"{'kefu analyze() (full analysis)':<34}{ours['p50_ms']:>9.3f}{ours['p99_ms']:>9.3f}"
         f"{ours['msgs_per_s']:>10.0f}")
    echo(f"{'baseline TF-IDF+LR (intent+emotion)':<34}{base['p50_ms']:>9.3f}{base['p99_ms']:>9.3f}"
         f"{base['msgs_per_s']:>10.0f}")
    echo(f"model load {load_s:.2f} s (incl. jieba dictionary), model files {result['model_bytes'] / 1e6:.1f} MB")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    echo(f"written {out}")
    return result


if __name__ == "__main__":  # pragma: no cover
    run()
