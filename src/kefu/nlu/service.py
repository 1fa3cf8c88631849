"""`analyze()`: intent, emotion, entities, request for a human and a PII-masked copy of one buyer message.

Models are loaded lazily, once per process, from src/kefu/nlu/models/*.npz (see jobs.py). Thread-safe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kefu.nlu import rules

MODEL_DIR = Path(__file__).parent / "models"
ANGRY_AT = 0.5  # anger score from which a message is "angry" (the probability is calibrated so this holds)
_UNMASK = {v: f"[{k}x]" for k, v in rules.MASK_TOKENS.items()}


class ModelMissing(RuntimeError):
    """The shipped model files are absent: run `kefu nlu train`."""


class _Linear:
    def __init__(self, path: Path):
        if not path.is_file():
            raise ModelMissing(f"NLU model {path.name} not found in {path.parent}; run `kefu nlu train`")
        with np.load(path, allow_pickle=False) as z:
            self.W = np.ascontiguousarray(z["W"].astype(np.float32).T)  # (DIM, classes): row gather is fast
            self.b = z["b"].astype(np.float32)
            self.labels = [str(x) for x in z["labels"]]
            self.anger_at = float(z["anger_at"]) if "anger_at" in z.files else ANGRY_AT
            # idf table (sublinear tf × idf weighting) when the model was trained with one
            self.idf = z["idf"].astype(np.float32) if "idf" in z.files else None

    def weigh(self, idx: list[int], counts: list[float]) -> np.ndarray:
        """Feature values from raw hashed counts: sublinear tf × idf when trained so, then unit L2 norm."""
        v = np.asarray(counts, np.float32)
        if self.idf is not None:
            v = (1.0 + np.log(v)) * self.idf[idx]
        n = float(np.sqrt(v @ v))
        return v / n if n > 0 else v

    def proba(self, idx: list[int], counts: list[float]) -> np.ndarray:
        z = self.b + (self.weigh(idx, counts) @ self.W[idx]) if idx else self.b.copy()
        z = np.exp(z - z.max())
        return z / z.sum()


_lock = threading.Lock()
_models: dict[str, _Linear] = {}


def model(name: str) -> _Linear:
    m = _models.get(name)
    if m is None:
        with _lock:
            m = _models.get(name)
            if m is None:
                m = _models[name] = _Linear(MODEL_DIR / f"{name}.npz")
    return m


def load() -> None:
    """Load every model and the segmenter now (e.g. at server start) instead of on the first message."""
    for name in ("intent", "emotion", "polarity"):
        model(name)
    rules.tokenizer()


def reset() -> None:
    """Forget loaded models (after training)."""
    with _lock:
        _models.clear()


@dataclass
class Analysis:
    intent: dict
    emotion: dict
    polarity: dict
    entities: dict
    wants_human: bool
    masked_text: str
    tokens: list[str] = field(default_factory=list)
    small_talk: str | None = None  # "greeting" | "thanks" | "ack" when the line carries no request (rules.small_talk)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Prepared:
    norm: str
    tokens: list[str]
    idx: list[int]
    val: list[float]  # raw hashed counts; each model weighs them (see _Linear.weigh)
    abusive: list[str]


def _prepare(text: str) -> _Prepared:
    if not isinstance(text, str):
        raise TypeError(f"analyze() needs text as str, not {type(text).__name__}")
    norm = rules.normalize(text)
    gloss = rules.english_gloss(norm)
    read = f"{norm} {gloss}" if gloss else norm  # what the models read: English words glossed in Chinese
    tokens = rules.segment(read) if read else []
    idx, val = rules.hash_counts(rules.feature_names(read, tokens))
    return _Prepared(norm, tokens, idx, val, rules.abusive_terms(text))


_RECENT_MAX, _RECENT_CHARS = 4096, 500  # at most ~10 MB
_recent: OrderedDict[str, _Prepared] = OrderedDict()  # lines analysed lately, newest last
_recent_lock = threading.Lock()


def _prepare_line(text: str, *, fresh: bool = False) -> _Prepared:
    """``_prepare`` of one line, remembered for a while: a buyer's next message reads their last lines as context,
    and each was prepared when it came in. ``fresh``: always compute (the line being analysed now)."""
    prep = None if fresh else _recent.get(text)
    if prep is None:
        prep = _prepare(text)
    if len(text) > _RECENT_CHARS:
        return prep
    with _recent_lock:
        _recent[text] = prep
        _recent.move_to_end(text)
        if len(_recent) > _RECENT_MAX:
            _recent.popitem(last=False)
    return prep


def _context_counts(context: list[str]) -> tuple[list[int], list[float]]:
    """The context's hashed feature counts: the sum of its lines' (each line prepared once, see _prepare_line)."""
    counts: dict[int, float] = {}
    for line in context:
        prep = _prepare_line(line)
        for i, v in zip(prep.idx, prep.val, strict=True):
            counts[i] = counts.get(i, 0.0) + v
    return list(counts), list(counts.values())


def _top(m: _Linear, p: np.ndarray) -> tuple[str, float]:
    i = int(p.argmax())
    return m.labels[i], float(p[i])


def _intent(prep: _Prepared, context: list[str] | None) -> tuple[str, float]:
    m = model("intent")
    if not prep.norm:
        return "other", 1.0
    p = m.proba(prep.idx, prep.val)
    ctx = [c for c in (context or []) if isinstance(c, str) and c.strip()][-3:]
    if ctx:  # a short reply ("是的", an order number) leans on what the buyer said before
        idx, val = _context_counts(ctx)
        if idx:
            weight = 0.5 if len(prep.norm) < 8 else 0.2
            p = (1 - weight) * p + weight * m.proba(idx, val)
    return _top(m, p)


def _calibrated(p: float, at: float) -> float:
    """Map the anger probability so that the threshold chosen at training (on held-out lines) lands on 0.5."""
    if not 0.0 < at < 1.0:
        return p
    return 0.5 * p / at if p < at else 0.5 + 0.5 * (p - at) / (1.0 - at)


def _emotion(prep: _Prepared) -> dict:
    m = model("emotion")
    if not prep.norm:
        return {"label": "calm", "anger": 0.0, "abusive": False, "scores": {lab: 0.0 for lab in m.labels}}
    p = m.proba(prep.idx, prep.val)
    probs = dict(zip(m.labels, (float(x) for x in p), strict=True))
    anger = _calibrated(probs["angry"], m.anger_at)
    if prep.abusive:
        anger = max(anger, 0.9)
    label = "angry" if anger >= ANGRY_AT else "negative" if probs["negative"] > probs["calm"] else "calm"
    return {"label": label, "anger": round(anger, 4), "abusive": bool(prep.abusive),
            "scores": {k: round(v, 4) for k, v in probs.items()}}


def _polarity(prep: _Prepared) -> tuple[str, float]:
    m = model("polarity")
    if not prep.norm:
        return "positive", 0.5
    return _top(m, m.proba(prep.idx, prep.val))


def intent_of(text: str, context: list[str] | None = None) -> tuple[str, float]:
    return _intent(_prepare(text), context)


def emotion_of(text: str) -> dict:
    return _emotion(_prepare(text))


def polarity_of(text: str) -> tuple[str, float]:
    return _polarity(_prepare(text))


def analyze(text: str, context: list[str] | None = None) -> Analysis:
    """Analyse one buyer message; `context` is the conversation so far (earlier buyer messages, oldest first).

    Raises TypeError when text is not a str; any str (empty, huge, control characters) gives an Analysis.
    """
    prep = _prepare_line(text, fresh=True)
    pol, pconf = _polarity(prep)
    return Analysis(**_essentials(prep, text, context), polarity={"label": pol, "confidence": round(pconf, 4)},
                    masked_text=rules.mask_pii(text), tokens=[_UNMASK.get(t, t) for t in prep.tokens])


def essentials(text: str, context: list[str] | None = None) -> dict:
    """What a chat needs of a buyer message, as analyze().to_dict() would give it: intent, emotion, entities,
    wants_human and small_talk — without the polarity, tokens and masked copy, which a chat does not keep."""
    return _essentials(_prepare_line(text, fresh=True), text, context)


def _essentials(prep: _Prepared, text: str, context: list[str] | None) -> dict:
    label, conf = _intent(prep, context)
    entities = rules.extract_entities(text)
    return {"intent": {"label": label, "confidence": round(conf, 4)}, "emotion": _emotion(prep), "entities": entities,
            "wants_human": bool(entities["human_request"]), "small_talk": rules.small_talk(text)}


# --- off the event loop ------------------------------------------------------------------------------------
# A chat server's Python runs on one core; message understanding is a fifth of a buyer message's cost there.
# A worker process understands lines on another core while the loop serves sockets and the database: the
# socket handler asks before the line's transaction and hands the answer in (post_buyer_message uses it when
# the context it was made with is still the conversation's). The loop talks to the worker over a pipe it
# watches itself (no helper threads, which would take the GIL from the loop), the lines asked for in one turn
# of the loop sent together. The worker holds no state anyone else needs; if it dies, lines are understood
# inline.

MAX_WAITING = 256  # lines waiting for the worker at most; beyond, the caller works inline


class _Worker:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="kefu-nlu")
        self.proc.start()
        child.close()
        self.waiting: dict[int, object] = {}
        self.outbox: list[tuple] = []
        self.counter = 0
        self.loop = None
        self.broken = False

    def _watch(self, loop) -> None:
        if self.loop is not loop:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.remove_reader(self.conn.fileno())
            loop.add_reader(self.conn.fileno(), self._readable)
            self.loop = loop

    async def ask(self, text: str, context: list[str]) -> dict | None:
        if self.broken or len(self.waiting) >= MAX_WAITING:
            return None
        loop = asyncio.get_running_loop()
        self._watch(loop)
        self.counter += 1
        fut = loop.create_future()
        self.waiting[self.counter] = fut
        self.outbox.append((self.counter, text, context))
        if len(self.outbox) == 1:
            loop.call_soon(self._send)
        return await fut

    def _send(self) -> None:
        batch, self.outbox = self.outbox, []
        try:
            self.conn.send_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            self._break()

    def _readable(self) -> None:
        try:
            answers = pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError):
            self._break()
            return
        for key, found in answers:
            fut = self.waiting.pop(key, None)
            if fut is not None and not fut.done():
                fut.set_result(found)

    def _break(self) -> None:
        self.broken = True
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.conn.fileno())
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_result(None)
        self.waiting.clear()

    def stop(self) -> None:
        self._break()
        self.conn.close()
        self.proc.terminate()
        self.proc.join(timeout=5)


def _worker_main(conn) -> None:
    """The worker process: lines in, their essentials out, a batch at a time, until the server goes away."""
    load()
    while True:
        try:
            batch = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError, KeyboardInterrupt):
            return
        conn.send_bytes(pickle.dumps([(key, essentials(text, context)) for key, text, context in batch],
                                     protocol=pickle.HIGHEST_PROTOCOL))


_workers: list[_Worker] = []


def start_pool(workers: int) -> None:
    """Start ``workers`` processes (0: none, everything inline). Idempotent per process."""
    if workers > 0 and not _workers:
        _workers.extend(_Worker() for _ in range(workers))


def stop_pool() -> None:
    while _workers:
        _workers.pop().stop()


async def essentials_ahead(text: str, context: list[str]) -> dict | None:
    """essentials() in a worker process; None without one, or when it is busy or gone (the caller works
    inline)."""
    live = [w for w in _workers if not w.broken]
    if not live:
        return None
    worker = min(live, key=lambda w: len(w.waiting))
    return await worker.ask(text, list(context))
