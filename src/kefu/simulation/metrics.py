"""The numbers of a simulated day: waits, greetings, abandonment and utilization, per policy and window."""

from __future__ import annotations

import math

from kefu.simulation import erlang
from kefu.simulation.engine import Buyer, Run
from kefu.simulation.scenario import Scenario

WAIT_BINS = (0, 15, 30, 60, 120, 180, 300, 600, 1200)  # seconds; the last bin is open-ended


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def histogram(waits: list[float], bins: tuple[float, ...] = WAIT_BINS) -> list[int]:
    counts = [0] * len(bins)
    for w in waits:
        i = len(bins) - 1
        while i > 0 and w < bins[i]:
            i -= 1
        counts[i] += 1
    return counts


def summarize(sc: Scenario, people: list[Buyer], run: Run, window: tuple[float, float] | None = None) -> dict:
    """Metrics over the buyers who arrived in ``window`` (seconds of day; None = the whole day)."""
    lo, hi = window or (0.0, math.inf)
    pol = sc.policy
    rows = [(b, run.outcomes[b.id]) for b in people if lo <= b.arrival < hi]
    n = len(rows)
    waits = [o.answered - b.arrival for b, o in rows if o.answered is not None]
    angry = [(b, o) for b, o in rows if b.angry(pol)]
    angry_waits = [o.answered - b.arrival for b, o in angry if o.answered is not None]
    calm_waits = [o.answered - b.arrival for b, o in rows if o.answered is not None and not b.angry(pol)]
    g = sc.greet_after_s + 1e-9
    samples = [s for s in run.samples if lo <= s[0] < hi]
    busy = sum(s[2] for s in samples)
    cap = sum(s[5] for s in samples)
    return {
        "buyers": n,
        "angry_buyers": len(angry),
        "answered": len(waits),
        "abandoned": sum(1 for _, o in rows if o.abandoned is not None),
        "abandon_rate": sum(1 for _, o in rows if o.abandoned is not None) / n if n else 0.0,
        "angry_abandon_rate": sum(1 for _, o in angry if o.abandoned is not None) / len(angry) if angry else 0.0,
        "mean_wait_s": _mean(waits),
        "p95_wait_s": percentile(waits, 95),
        "angry_mean_wait_s": _mean(angry_waits),
        "angry_p95_wait_s": percentile(angry_waits, 95),
        "calm_mean_wait_s": _mean(calm_waits),
        "greeted_15s": _share(sum(1 for b, o in rows if o.greeted is not None and o.greeted - b.arrival <= g), n),
        "human_15s": _share(sum(1 for b, o in rows if o.answered is not None and o.answered - b.arrival <= g), n),
        "p_wait": sum(1 for b, o in rows if o.answered is None or o.answered > b.arrival) / n if n else 0.0,
        "cross_group_share": sum(1 for _, o in rows if o.cross_group) / len(waits) if waits else 0.0,
        "utilization": (busy / cap if cap else 0.0) if window else run.utilization,
        "agent_busy_share": run.agent_busy_share,
        "wait_histogram": histogram(waits),
        "angry_wait_histogram": histogram(angry_waits),
    }


def erlang_for_peak(sc: Scenario) -> tuple[int, erlang.Prediction]:
    """Erlang C for the busiest hour: its expected arrivals, the mix's mean handle time, all seats on shift."""
    hour = sc.peak_hour()
    return hour, erlang.predict(sc.seats(hour), sc.expected_arrivals(hour) / 3600.0, sc.mean_handle_s(),
                                sc.greet_after_s)


def report_numbers(sc: Scenario, people: list[Buyer], runs: dict[str, Run], seed: int) -> dict:
    """Everything the table, the HTML report and the JSON need."""
    hour, pred = erlang_for_peak(sc)
    peak_hour = (hour * 3600.0, hour * 3600.0 + 3600.0)
    return {
        "scenario": sc.name,
        "seed": seed,
        "buyers": len(people),
        "window": {"start_s": sc.window[0], "end_s": sc.window[1]},
        "greet_after_s": sc.greet_after_s,
        "wait_bins_s": list(WAIT_BINS),
        "day": {p: summarize(sc, people, r) for p, r in runs.items()},
        "peak": {p: summarize(sc, people, r, sc.window) for p, r in runs.items()},
        "peak_hour": {"hour": hour, **{p: summarize(sc, people, r, peak_hour) for p, r in runs.items()}},
        "erlang_c": {"hour": hour, **pred.as_dict()},
        "erlang_by_hour": hourly_erlang(sc, people, runs["fifo"]),
        "policy": {k: getattr(sc.policy, k) for k in sc.policy.__dataclass_fields__},
        "timeline": {p: [list(s) for s in r.samples] for p, r in runs.items()},
    }


def targets(numbers: dict) -> dict:
    """The issue's targets on the peak window: angry < 60 s where FIFO ≥ 180 s; overall ≤ FIFO + 10 %."""
    f, k = numbers["peak"]["fifo"], numbers["peak"]["kefu"]
    return {
        "fifo_angry_mean_ge_180s": f["angry_mean_wait_s"] >= 180,
        "kefu_angry_mean_lt_60s": k["angry_mean_wait_s"] < 60,
        "kefu_mean_within_10pct": k["mean_wait_s"] <= f["mean_wait_s"] * 1.10,
    }


def hourly_erlang(sc: Scenario, people: list[Buyer], fifo: Run) -> list[dict]:
    """Per hour: Erlang C's FIFO mean wait beside the simulated FIFO mean wait of that hour's arrivals."""
    out = []
    handle = sc.mean_handle_s()
    for h in range(sc.hours):
        rate = sc.expected_arrivals(h) / 3600.0
        pred = erlang.predict(sc.seats(h), rate, handle, sc.greet_after_s)
        sim = summarize(sc, people, fifo, (h * 3600.0, h * 3600.0 + 3600.0))
        out.append({"hour": h, "seats": pred.servers, "occupancy": round(pred.load_erlangs / pred.servers, 3)
                    if pred.servers else None, "erlang_mean_wait_s": pred.as_dict()["mean_wait_s"],
                    "erlang_p_wait": pred.p_wait, "sim_mean_wait_s": sim["mean_wait_s"],
                    "sim_p_wait": sim["p_wait"]})
    return out
