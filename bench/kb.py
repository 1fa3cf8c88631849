"""`kefu bench kb`: the knowledge search index with 100,000 generated articles.

Articles are generated from the demo KB (each demo article × a product name × a numbered variant), so the
vocabulary is realistic and no external data is needed. Embedding 500,000 questions would take hours on a
CPU, so each generated article reuses its demo article's real e5 vectors plus a little noise: latency does
not depend on the vectors' content. Measured: index build time (segmentation + postings + vectors),
resident memory growth, and search latency p50 / p99 for lexical-only search and for the full hybrid search
(query embedding included: the embedding cache is emptied before every timed query). Queries are a demo
article's similar question plus a product name; a second set is what an agent types into the search box
(2-6 characters of a title). Measured beside them in the same run: lexical-only search and the query's
embedding alone, which bound the hybrid search from below. The e5 pass takes KEFU_KB_EMBED_THREADS (default
1). Results go to bench/results/kb.json.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "kb.json"
PRODUCTS = ("纯棉T恤", "羽绒服", "牛仔裤", "连衣裙", "卫衣", "衬衫", "四件套", "枕头", "被子", "毛巾", "台灯", "收纳箱",
            "床垫", "窗帘", "地毯", "保温杯", "拖鞋", "睡衣", "围巾", "沙发垫")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _lat(fn, queries: list[str], before=None) -> dict:
    for q in queries[:20]:
        fn(q + "预热")
    lat = []
    for q in queries:
        if before is not None:
            before()  # outside the timing
        t = time.perf_counter()
        fn(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"p50_ms": round(statistics.median(lat), 2), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
            "n": len(lat)}


def run(n: int = 100_000, queries: int = 500, out: Path = RESULTS, echo=print) -> dict:
    from kefu.knowledge import index as ix
    from kefu.knowledge.demo_kb import ARTICLES

    rng = random.Random(5)
    np_rng = np.random.default_rng(5)
    base_vecs = []
    for a in ARTICLES:  # the demo KB's real vectors (questions + answer), ~6 s once
        d = ix.Doc(0, a[2], [a[2], *a[3].split("|")], a[4])
        base_vecs.append(ix.embedder.embed(d.embed_texts()))
    ix.rules.nlu.tokenizer()
    rss0 = _rss()
    t0 = time.perf_counter()
    idx = ix.KnowledgeIndex(1, [])
    for i in range(n):
        k = i % len(ARTICLES)
        intent, category, title, variants, answer, _ = ARTICLES[k]
        product = PRODUCTS[(i // len(ARTICLES)) % len(PRODUCTS)]
        qs = [f"{product}{title}", *(f"{v}（{product}）" for v in variants.split("|")), f"{title} 第{i}问"]
        doc = ix.Doc(i, qs[0], qs, f"{product}：{answer}", intent, category)
        noise = np_rng.normal(0, 0.02, (len(qs) + 1, ix.DIM)).astype(np.float32)
        rows = np.vstack([base_vecs[k][:-1], base_vecs[k][:1], base_vecs[k][-1:]]) + noise
        doc.set_vectors(rows / np.linalg.norm(rows, axis=1, keepdims=True))
        idx.add(doc)
    if idx.vector_rows <= ix.FULL_SCAN_ROWS:
        idx.matrix()
    build_s = time.perf_counter() - t0
    mem = _rss() - rss0
    qs, typed = [], []
    for _ in range(queries):
        a = ARTICLES[rng.randrange(len(ARTICLES))]
        qs.append(f"{rng.choice(a[3].split('|'))} {rng.choice(PRODUCTS)}")
        k = rng.randint(2, min(6, len(a[2])))  # what an agent types into the search box: 2-6 characters
        start = rng.randrange(len(a[2]) - k + 1)
        typed.append(a[2][start:start + k])
    lexical = _lat(lambda q: idx.search(q, limit=10, use_semantic=False), qs)
    cold = ix.embedder._cache.clear  # every timed query pays for its embedding
    hybrid = _lat(lambda q: idx.search(q, limit=10), qs, cold)
    embed_only = _lat(lambda q: ix.embedder.embed([q], ix.QUERY_CHARS), qs, cold)
    keywords = _lat(lambda q: idx.search(q, limit=10), typed, cold)
    result = {"articles": n, "questions": idx.vector_rows, "build_s": round(build_s, 1),
              "index_memory_mb": round(mem / 1e6, 1), "search_lexical": lexical, "search_hybrid": hybrid,
              "query_embedding": embed_only, "search_hybrid_typed": keywords,
              "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
              "embed_threads": ix._threads(), "semantic_mode": "re-score the top 200 BM25 candidates"
              if idx.vector_rows > ix.FULL_SCAN_ROWS else "full scan"}
    echo(f"{n} articles ({result['questions']} questions): index build {build_s:.1f} s, memory +{mem / 1e6:.0f} MB; "
         f"{result['cores']} cores, e5 pass on {result['embed_threads']} threads")
    echo(f"{'':<30}{'p50 ms':>9}{'p99 ms':>9}")
    rows = (("search, lexical only", lexical), ("search, hybrid", hybrid),
            ("query embedding alone", embed_only),
            ("hybrid, 2-6 typed characters", keywords))
    for name, r in rows:
        echo(f"{name:<30}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    echo(f"written {out}")
    return result


if __name__ == "__main__":  # pragma: no cover
    run()
