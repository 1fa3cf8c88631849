"""A self-contained HTML report of a simulated day: tables and charts as inline SVG (no scripts, no URLs)."""

from __future__ import annotations

from html import escape

COLORS = {"fifo": "#9a9a9a", "kefu": "#d2452b", "shift": "#3b6fb6", "erlang": "#3b6fb6"}
NAMES = {"fifo": "FIFO", "kefu": "kefu"}


def _fmt_s(v: float | None) -> str:
    return "∞" if v is None else f"{v:,.0f} s"


def _pct(v: float) -> str:
    return f"{v * 100:.1f} %"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    for step in (1, 2, 5):
        m = 10 ** len(str(int(v))) / 10 * step
        if m >= v:
            return m
    return 10 ** len(str(int(v)))


def line_chart(series: list[tuple[str, str, list[tuple[float, float]]]], title: str, y_label: str,
               x_max: float, width: int = 1080, height: int = 260, step: bool = False) -> str:
    """Lines over the day; x in seconds of day, ticks every 2 hours."""
    left, right, top, bottom = 56, 16, 28, 34
    pw, ph = width - left - right, height - top - bottom
    y_max = _nice_max(max((y for _, _, pts in series for _, y in pts), default=1))

    def sx(x: float) -> float:
        return left + pw * x / x_max

    def sy(y: float) -> float:
        return top + ph * (1 - y / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(title)}"><text x="{left}" y="16" class="t">{escape(title)}</text>']
    for i in range(5):
        y = y_max * i / 4
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" class="g"/>'
                   f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" class="yl">{y:g}</text>')
    for h in range(0, int(x_max // 3600) + 1, 2):
        out.append(f'<text x="{sx(h * 3600):.1f}" y="{height - 14}" class="xl">{h:02d}:00</text>')
    out.append(f'<text x="12" y="{top + ph / 2}" class="yl" transform="rotate(-90 12 {top + ph / 2})">'
               f'{escape(y_label)}</text>')
    for _name, color, pts in series:
        if not pts:
            continue
        if step:
            path = [f"M{sx(pts[0][0]):.1f},{sy(pts[0][1]):.1f}"]
            for x1, y1 in pts[1:]:
                path.append(f"H{sx(x1):.1f}V{sy(y1):.1f}")
            d = "".join(path)
        else:
            d = "M" + "L".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        out.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.6"/>')
    lx = left + 10
    for name, color, _ in series:
        out.append(f'<rect x="{lx}" y="{top + 4}" width="12" height="3" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="{top + 9}" class="lg">{escape(name)}</text>')
        lx += 24 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def bar_chart(categories: list[str], series: list[tuple[str, str, list[float]]], title: str, y_label: str,
              width: int = 530, height: int = 260) -> str:
    """Grouped bars: one group per category, one bar per series (values as shares 0..1)."""
    left, right, top, bottom = 50, 10, 28, 44
    pw, ph = width - left - right, height - top - bottom
    y_max = _nice_max(max((v for _, _, vals in series for v in vals), default=1) * 100) / 100
    gw = pw / max(1, len(categories))
    bw = gw * 0.8 / max(1, len(series))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(title)}"><text x="{left}" y="16" class="t">{escape(title)}</text>']
    for i in range(5):
        y = y_max * i / 4
        yy = top + ph * (1 - y / y_max)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="g"/>'
                   f'<text x="{left - 6}" y="{yy + 4:.1f}" class="yl">{y * 100:.0f}%</text>')
    for ci, cat in enumerate(categories):
        x0 = left + gw * ci + gw * 0.1
        for si, (_, color, vals) in enumerate(series):
            v = vals[ci]
            h = ph * v / y_max
            out.append(f'<rect x="{x0 + si * bw:.1f}" y="{top + ph - h:.1f}" width="{bw - 1:.1f}" '
                       f'height="{h:.1f}" fill="{color}"><title>{escape(cat)}: {v * 100:.1f}%</title></rect>')
        out.append(f'<text x="{left + gw * ci + gw / 2:.1f}" y="{height - 26}" class="xl">{escape(cat)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 6}" class="xl">{escape(y_label)}</text>')
    lx = left + pw - 120
    for name, color, _ in series:
        out.append(f'<rect x="{lx}" y="{top}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{lx + 14}" y="{top + 9}" class="lg">{escape(name)}</text>')
        lx += 60
    out.append("</svg>")
    return "".join(out)


def _bins(edges: list[float]) -> list[str]:
    out = []
    for i, lo in enumerate(edges):
        out.append(f"{lo:g}–{edges[i + 1]:g}" if i + 1 < len(edges) else f"≥{lo:g}")
    return out


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts) or 1
    return [c / total for c in counts]


ROWS = [("buyers", "buyers", lambda v: f"{v:,}"), ("angry buyers", "angry_buyers", lambda v: f"{v:,}"),
        ("mean wait", "mean_wait_s", _fmt_s), ("95th percentile wait", "p95_wait_s", _fmt_s),
        ("angry: mean wait", "angry_mean_wait_s", _fmt_s), ("angry: 95th percentile", "angry_p95_wait_s", _fmt_s),
        ("calm: mean wait", "calm_mean_wait_s", _fmt_s), ("greeted within 15 s", "greeted_15s", _pct),
        ("answered by a human within 15 s", "human_15s", _pct), ("abandoned", "abandon_rate", _pct),
        ("angry: abandoned", "angry_abandon_rate", _pct), ("seat utilization", "utilization", _pct),
        ("answered by another group (fallback)", "cross_group_share", _pct)]


def numbers_table(block: dict) -> str:
    head = "".join(f"<th>{NAMES[p]}</th>" for p in block)
    rows = "".join(f"<tr><td>{escape(label)}</td>" + "".join(f"<td>{fmt(block[p][key])}</td>" for p in block)
                   + "</tr>" for label, key, fmt in ROWS)
    return f"<table><tr><th></th>{head}</tr>{rows}</table>"


def erlang_table(numbers: dict) -> str:
    rows = []
    for r in numbers["erlang_by_hour"]:
        if not r["seats"]:
            continue
        rows.append(f"<tr><td>{r['hour']:02d}:00</td><td>{r['seats']}</td><td>{r['occupancy']:.2f}</td>"
                    f"<td>{_pct(r['erlang_p_wait'])}</td><td>{_pct(r['sim_p_wait'])}</td>"
                    f"<td>{_fmt_s(r['erlang_mean_wait_s'])}</td><td>{_fmt_s(r['sim_mean_wait_s'])}</td></tr>")
    return ("<table><tr><th>hour</th><th>seats</th><th>offered load / seats</th><th>Erlang C P(wait)</th>"
            "<th>simulated FIFO P(wait)</th><th>Erlang C mean wait</th><th>simulated FIFO mean wait</th></tr>"
            + "".join(rows) + "</table>")


CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC",system-ui,sans-serif;margin:24px;color:#222;max-width:1120px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child{text-align:left}th{background:#f4f4f4}
.t{font-size:13px;font-weight:600}.g{stroke:#e6e6e6}.yl{font-size:10px;text-anchor:end;fill:#555}
.xl{font-size:10px;text-anchor:middle;fill:#555}.lg{font-size:11px;fill:#333}.ok{color:#19703a}.no{color:#b3261e}
.row{display:flex;gap:16px;flex-wrap:wrap}p.note{font-size:13px;color:#555}"""


def render(numbers: dict) -> str:
    """The whole report as one HTML string."""
    win = numbers["window"]
    w0, w1 = int(win["start_s"] // 3600), int(win["end_s"] // 3600)
    tl = numbers["timeline"]
    day_end = max((s[0] for p in tl for s in tl[p]), default=0) + 60
    queue = line_chart([(f"{NAMES[p]} queue", COLORS[p], [(s[0], s[1]) for s in tl[p]]) for p in tl],
                       "Buyers waiting for a human, over the day", "buyers waiting", day_end)
    busy = line_chart([(f"{NAMES[p]} agents busy", COLORS[p], [(s[0], s[3]) for s in tl[p]]) for p in tl]
                      + [("agents on shift", COLORS["shift"], [(s[0], s[4]) for s in tl["fifo"]])],
                      "Agents with at least one chat, and agents on shift", "agents", day_end, step=False)
    seats = line_chart([(f"{NAMES[p]} seats busy", COLORS[p], [(s[0], s[2]) for s in tl[p]]) for p in tl]
                       + [("seats at work", COLORS["shift"], [(s[0], s[5]) for s in tl["fifo"]])],
                       "Chat seats in use (agents × concurrent chats)", "seats", day_end)
    cats = _bins(numbers["wait_bins_s"])
    peak = numbers["peak"]
    hist_all = bar_chart(cats, [(NAMES[p], COLORS[p], _shares(peak[p]["wait_histogram"])) for p in peak],
                         f"Waiting time, all answered buyers, {w0:02d}:00–{w1:02d}:00", "wait (seconds)")
    hist_angry = bar_chart(cats, [(NAMES[p], COLORS[p], _shares(peak[p]["angry_wait_histogram"])) for p in peak],
                           f"Waiting time, angry buyers, {w0:02d}:00–{w1:02d}:00", "wait (seconds)")
    day = numbers["day"]
    hist_day = bar_chart(cats, [(NAMES[p], COLORS[p], _shares(day[p]["wait_histogram"])) for p in day],
                         "Waiting time, all answered buyers, whole day", "wait (seconds)")
    hist_day_angry = bar_chart(cats, [(NAMES[p], COLORS[p], _shares(day[p]["angry_wait_histogram"])) for p in day],
                               "Waiting time, angry buyers, whole day", "wait (seconds)")
    ec = numbers["erlang_c"]
    ph = numbers["peak_hour"]["fifo"]
    targets = "".join(f'<li class="{"ok" if ok else "no"}">{"✓" if ok else "✗"} {escape(name)}</li>'
                      for name, ok in numbers.get("targets", {}).items())
    policy = ", ".join(f"{k}={v}" for k, v in numbers["policy"].items())
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>kefu simulate — {escape(numbers['scenario'])}</title><style>{CSS}</style></head><body>
<h1>Peak-day simulation: FIFO vs kefu routing</h1>
<p>Scenario <b>{escape(numbers['scenario'])}</b>, seed {numbers['seed']}, {numbers['buyers']:,} buyers.
Both policies serve the same buyers (same arrivals, intents, anger, handle times and patience); only the
order of service differs. FIFO serves the longest-waiting buyer first; kefu ranks by
<code>kefu.routing.rules.rank()</code> and picks agents with <code>pick_agent()</code>. Greeting within
{numbers['greet_after_s']:g} s: kefu sends an automatic greeting with the queue position; FIFO is today's
plain queue.</p>
<p class="note">Routing policy: {escape(policy)}</p>
<h2>Targets (buyers arriving {w0:02d}:00–{w1:02d}:00)</h2><ul>{targets}</ul>
<div class="row"><div><h2>Peak window {w0:02d}:00–{w1:02d}:00</h2>{numbers_table(peak)}</div>
<div><h2>Whole day</h2>{numbers_table(day)}</div></div>
<h2>Timeline</h2>{queue}{busy}{seats}
<h2>Waiting-time distributions</h2><div class="row">{hist_all}{hist_angry}</div>
<div class="row">{hist_day}{hist_day_angry}</div>
<h2>Erlang C (M/M/N, no abandonment) beside the simulated FIFO queue</h2>
<p>Peak hour {ec['hour']:02d}:00: {ec['arrival_rate_per_h']:,.0f} arrivals/h, mean handle time
{ec['handle_s']:.0f} s, {ec['servers']} seats → offered load {ec['load_erlangs']:.1f} Erlangs
(load / seats {ec['load_erlangs'] / max(1, ec['servers']):.2f}). Erlang C: P(wait) {_pct(ec['p_wait'])},
mean wait {_fmt_s(ec['mean_wait_s'])}, 95th percentile {_fmt_s(ec['p95_wait_s'])}, answered within 15 s
{_pct(ec['service_level_15s'])}. Simulated FIFO in that hour: P(wait) {_pct(ph['p_wait'])}, mean wait
{_fmt_s(ph['mean_wait_s'])}, 95th percentile {_fmt_s(ph['p95_wait_s'])}, answered within 15 s
{_pct(ph['human_15s'])}, abandoned {_pct(ph['abandon_rate'])}.</p>
<p class="note">Erlang C assumes a steady state, exponential handle times, one pooled queue and buyers who
never leave. When the load reaches the seats it has no finite answer; the simulated queue is bounded by
abandonment and by the hour's end, and waits carry over between hours. Hour by hour:</p>
{erlang_table(numbers)}
</body></html>
"""
