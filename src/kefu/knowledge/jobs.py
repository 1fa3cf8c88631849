"""Offline jobs: evaluating the matcher on question pairs (AUC, best F1, TF-IDF baseline) and calibrating
its confidence on the project's own demo KB.

    python -m kefu.knowledge.jobs calibrate     # prints the constants for rules.CAL_* and rules.ANSWER_AT
"""

from __future__ import annotations

import csv
import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from kefu.knowledge import index as ix
from kefu.knowledge import rules


class DataError(ValueError):
    """The pairs file is missing, unreadable or has no usable rows."""


# ---------------------------------------------------------------- metrics
def roc_auc(scores: list[float], labels: list[int]) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if not pos or not neg:
        raise DataError("AUC needs both positive and negative pairs")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def best_f1(scores: list[float], labels: list[int]) -> tuple[float, float]:
    """The best F1 over all thresholds "score >= t → same question", and that threshold."""
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    tp = np.cumsum(y)
    k = np.arange(1, len(y) + 1)
    f1 = 2 * tp / (k + y.sum())
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = np.where(last, f1, -1)
    i = int(np.argmax(f1))
    return float(f1[i]), float(s[i])


# ---------------------------------------------------------------- TF-IDF baseline
def _grams(text: str) -> Counter:
    t = rules.nlu.normalize(text).replace(" ", "")
    return Counter([t[i:i + 1] for i in range(len(t))] + [t[i:i + 2] for i in range(len(t) - 1)])


def tfidf_scores(pairs: list[tuple[str, str]]) -> list[float]:
    """Cosine of character 1-2-gram TF-IDF vectors, IDF from the file's own questions."""
    grams = {t: _grams(t) for p in pairs for t in p}
    df: Counter = Counter()
    for g in grams.values():
        df.update(g.keys())
    n = len(grams)
    idf = {g: math.log((n + 1) / (c + 1)) + 1 for g, c in df.items()}

    def vec(t: str) -> dict:
        v = {g: c * idf[g] for g, c in grams[t].items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {g: x / norm for g, x in v.items()}

    vecs = {t: vec(t) for t in grams}
    return [sum(w * vecs[b].get(g, 0.0) for g, w in vecs[a].items()) for a, b in pairs]


# ---------------------------------------------------------------- eval-pairs
def read_pairs(path: str) -> tuple[list[tuple[str, str]], list[int], int]:
    """(pairs, labels, skipped rows) from a CSV with columns q1,q2,label (header required, BOM ok)."""
    pairs, labels, skipped = [], [], 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            cols = {c.strip().lower(): c for c in reader.fieldnames or []}
            if not {"q1", "q2", "label"} <= cols.keys():
                raise DataError(f"{path}: needs a header with columns q1,q2,label")
            for row in reader:
                q1, q2, lab = (row.get(cols[c]) for c in ("q1", "q2", "label"))
                if not q1 or not q2 or (lab or "").strip() not in ("0", "1"):
                    skipped += 1
                    continue
                pairs.append((q1.strip(), q2.strip()))
                labels.append(int(lab))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if not pairs:
        raise DataError(f"{path}: no usable rows")
    return pairs, labels, skipped


def eval_pairs(path: str, progress: Callable[[int], None] | None = None, with_baseline: bool = True) -> dict:
    """Score every pair with the bot's matcher (index.pair_confidence) and report AUC / best F1."""
    pairs, labels, skipped = read_pairs(path)
    synmap = rules.synonym_map(rules.DEFAULT_SYNONYMS)
    scores = []
    for q1, q2 in pairs:
        scores.append(ix.pair_confidence(q1, q2, synmap))
        if progress:
            progress(1)
    f1, threshold = best_f1(scores, labels)
    out = {"auc": round(roc_auc(scores, labels), 4), "best_f1": round(f1, 4), "threshold": round(threshold, 4),
           "n": len(pairs), "positives": int(sum(labels)), "skipped": skipped,
           "matcher": "e5+coverage" if ix.embedder.enabled else "coverage-only (no embedding model)"}
    if with_baseline:
        base = tfidf_scores(pairs)
        bf1, bt = best_f1(base, labels)
        out["baseline"] = {"name": "char 1-2-gram TF-IDF cosine", "auc": round(roc_auc(base, labels), 4),
                           "best_f1": round(bf1, 4), "threshold": round(bt, 4)}
    return out


# ---------------------------------------------------------------- calibration on the demo KB
OUT_OF_KB = ("你们老板叫什么名字", "今天天气怎么样", "有没有手机壳卖", "你们招聘客服吗", "能帮我写作业吗",
             "附近有什么好吃的", "你是机器人吗", "股票明天会涨吗", "你们卖不卖电脑", "我想办一张信用卡",
             "车险怎么买", "帮我订一张机票", "最近有什么好看的电影", "怎么减肥最快", "你们有没有宠物粮",
             "能借我点钱吗", "我的快递柜密码忘了", "你们公司在哪个城市", "游戏充值怎么弄", "帮我查下话费")


def _features(q: str, question: str, synmap: dict, vec: dict) -> tuple[float, float]:
    cov = rules.coverage(rules.terms(q, synmap), set(rules.index_terms(rules.terms(question, synmap))))
    return float(vec[q] @ vec[question]), cov


def calibration_pairs(articles, seed: int = 7) -> tuple[list[tuple[str, str]], list[int]]:
    """Held-out variant vs. another question of its article (1), vs. a question of another article of the
    same intent (0, hard) and of any other article (0)."""
    rng = random.Random(seed)
    qs = [[a[2], *a[3].split("|")] for a in articles]
    by_intent: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        by_intent.setdefault(a[0], []).append(i)
    pairs, labels = [], []
    for i, a in enumerate(articles):
        for v in qs[i][1:]:
            others = [q for q in qs[i] if q != v]
            pairs.append((v, rng.choice(others)))
            labels.append(1)
            same = [j for j in by_intent[a[0]] if j != i]
            pairs.append((v, rng.choice(qs[rng.choice(same)])))
            labels.append(0)
            pairs.append((v, rng.choice(qs[rng.choice([j for j in range(len(articles)) if j != i])])))
            labels.append(0)
    return pairs, labels


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Newton's method on the L2-penalised log loss; returns weights with the bias last."""
    xb = np.c_[x, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def calibrate(articles: Iterable | None = None, echo=print) -> dict:
    from kefu.knowledge.demo_kb import ARTICLES

    articles = list(articles or ARTICLES)
    synmap = rules.synonym_map(rules.DEFAULT_SYNONYMS)
    pairs, labels = calibration_pairs(articles)
    texts = sorted({t for p in pairs for t in p} | set(OUT_OF_KB)
                   | {q for a in articles for q in [a[2], *a[3].split("|")]})
    vec = dict(zip(texts, ix.embedder.embed(texts), strict=True))
    x = np.array([_features(a, b, synmap, vec) for a, b in pairs])
    y = np.array(labels, float)
    w = fit_logistic(x, y)
    lex = fit_logistic(x[:, 1:], y)
    echo(f"pairs {len(pairs)}: CAL_COS={w[0]:.2f} CAL_COV={w[1]:.2f} CAL_BIAS={w[2]:.2f}; "
         f"lexical-only {lex[0]:.2f}, {lex[1]:.2f}; pair AUC {roc_auc(list(x @ w[:2]), labels):.4f}")
    return {"cos": float(w[0]), "cov": float(w[1]), "bias": float(w[2]), "lex": (float(lex[0]), float(lex[1])),
            "bot": bot_report(loo_trials(articles), echo=echo)}


def loo_trials(articles, use_semantic: bool = True) -> list[dict]:
    """Leave-one-out retrieval on the KB: fold k holds out the k-th variant of every article and asks the
    index without it; the out-of-KB questions are asked once (their right answer is none)."""
    trials = []
    for k in range(max(len(a[3].split("|")) for a in articles)):
        idx = ix.KnowledgeIndex(0, [])
        held = []
        for i, a in enumerate(articles):
            variants = a[3].split("|")
            if k < len(variants):
                held.append((variants[k], i))
            doc = ix.Doc(i, a[2], [a[2], *(v for j, v in enumerate(variants) if j != k)], a[4], a[0], a[1])
            if use_semantic:
                doc.set_vectors(ix.embedder.embed(doc.embed_texts()))
            idx.add(doc)
        for q, i in held + ([(q, -1) for q in OUT_OF_KB] if k == 0 else []):
            hits = idx.search(q, limit=3, use_semantic=use_semantic)
            trials.append({"confidence": hits[0].confidence if hits else 0.0, "margin": ix.margin(hits),
                           "top1": bool(hits) and hits[0].article_id == i,
                           "top3": any(h.article_id == i for h in hits), "in_kb": i >= 0})
    return trials


def bot_report(trials: list[dict], answer_at: float = rules.ANSWER_AT, margin_at: float = rules.MARGIN_AT,
               echo=print) -> dict:
    """How the bot's rule (confidence >= answer_at and margin >= margin_at) does on leave-one-out trials."""
    in_kb = [t for t in trials if t["in_kb"]]
    answered = [t for t in trials if t["confidence"] >= answer_at and t["margin"] >= margin_at]
    out = {"questions": len(in_kb), "top1": round(sum(t["top1"] for t in in_kb) / len(in_kb), 3),
           "top3": round(sum(t["top3"] for t in in_kb) / len(in_kb), 3),
           "answered": round(len(answered) / len(trials), 3),
           "answer_precision": round(sum(t["top1"] for t in answered) / max(len(answered), 1), 3),
           "out_of_kb_answered": sum(1 for t in answered if not t["in_kb"]),
           "out_of_kb": sum(1 for t in trials if not t["in_kb"])}
    echo(f"leave-one-out over {out['questions']} held-out variants: top-1 {out['top1']}, top-3 {out['top3']}; "
         f"bot (confidence >= {answer_at}, margin >= {margin_at}) answers {out['answered']:.0%} with precision "
         f"{out['answer_precision']}, out-of-KB answered {out['out_of_kb_answered']}/{out['out_of_kb']}")
    return out

if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["calibrate"]:
        calibrate()
    else:
        print(__doc__)
