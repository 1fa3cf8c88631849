"""`kefu simulate`: a peak day through the routing rules, FIFO vs kefu, beside Erlang C."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer


def _override(policy, pairs: list[str]):
    changes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or key not in policy.__dataclass_fields__:
            raise typer.BadParameter(f"{pair!r}: expected FIELD=VALUE with FIELD one of "
                                     f"{', '.join(policy.__dataclass_fields__)}", param_hint="--policy")
        current = getattr(policy, key)
        if isinstance(current, bool):
            changes[key] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            changes[key] = type(current)(float(value)) if isinstance(current, int) else float(value)
    return dataclasses.replace(policy, **changes)


def _fmt(key: str, v) -> str:
    if v is None:
        return "∞"
    if key.endswith("_s"):
        return f"{v:,.0f} s"
    if isinstance(v, float):
        return f"{v * 100:.1f} %"
    return f"{v:,}"


ROWS = [("buyers", "buyers"), ("angry buyers", "angry_buyers"), ("mean wait", "mean_wait_s"),
        ("p95 wait", "p95_wait_s"), ("angry: mean wait", "angry_mean_wait_s"),
        ("angry: p95 wait", "angry_p95_wait_s"), ("greeted ≤ 15 s", "greeted_15s"),
        ("human answer ≤ 15 s", "human_15s"), ("abandoned", "abandon_rate"), ("utilization", "utilization")]
ERLANG = {"mean_wait_s": "mean_wait_s", "p95_wait_s": "p95_wait_s", "human_15s": "service_level_15s",
          "utilization": "occupancy"}


def table(numbers: dict) -> list[str]:
    w = numbers["window"]
    h = numbers["erlang_c"]["hour"]
    lo, hi = int(w["start_s"] // 3600), int(w["end_s"] // 3600)
    lines = [f"{'':<22}{f'peak {lo:02d}:00–{hi:02d}:00':^22}{'whole day':^22}{f'peak hour {h:02d}:00':^24}",
             f"{'':<22}{'FIFO':>11}{'kefu':>11}{'FIFO':>11}{'kefu':>11}{'FIFO sim':>12}{'Erlang C':>12}"]
    for label, key in ROWS:
        cells = [_fmt(key, numbers[part][p][key]) for part in ("peak", "day") for p in ("fifo", "kefu")]
        sim = _fmt(key, numbers["peak_hour"]["fifo"][key])
        ek = ERLANG.get(key)
        erl = _fmt(key, numbers["erlang_c"][ek]) if ek else ""
        if key == "greeted_15s":
            erl = ""
        lines.append(f"{label:<22}" + "".join(f"{c:>11}" for c in cells) + f"{sim:>12}{erl:>12}")
    return lines


def simulate(
    scenario: Path | None = typer.Option(None, "--scenario", "-s", exists=True, dir_okay=False,
                                         help="scenario file (.toml or .json); default: the 双11 peak day"),
    seed: int | None = typer.Option(None, help="random seed (default: the scenario's); same seed, same numbers"),
    out_html: Path = typer.Option(Path("kefu-simulation.html"), "--out-html", help="HTML report to write"),
    out_json: Path = typer.Option(Path("kefu-simulation.json"), "--out-json", help="JSON of the numbers"),
    policy: list[str] = typer.Option([], "--policy", help="override a routing Policy field, e.g. anger_boost=600"),
) -> None:
    """Simulate a shop day through the routing rules: FIFO vs kefu, with Erlang C for the peak hour."""
    from kefu.simulation import engine, metrics, report
    from kefu.simulation import scenario as scenario_mod

    sc = scenario_mod.load(scenario)
    if seed is not None:
        sc = dataclasses.replace(sc, seed=seed)
    if policy:
        sc = dataclasses.replace(sc, policy=_override(sc.policy, policy))
    people, runs = engine.run_both(sc)
    numbers = metrics.report_numbers(sc, people, runs, sc.seed)
    numbers["targets"] = metrics.targets(numbers)
    ec = numbers["erlang_c"]
    typer.echo(f"kefu simulate — {sc.name}\nseed {sc.seed}, {len(people):,} buyers; FIFO and kefu serve the "
               f"same buyers\n")
    for line in table(numbers):
        typer.echo(line)
    load = ec["load_erlangs"] / max(1, ec["servers"])
    typer.echo(f"\nErlang C, peak hour {ec['hour']:02d}:00: {ec['arrival_rate_per_h']:,.0f} arrivals/h, mean handle "
               f"{ec['handle_s']:.0f} s, {ec['servers']} seats, load/seats {load:.2f}, P(wait) "
               f"{ec['p_wait'] * 100:.1f} %" + (" — overloaded: no steady state, the simulated queue is bounded "
                                                "by abandonment" if load >= 1 else ""))
    for name, ok in numbers["targets"].items():
        typer.echo(f"  {'✓' if ok else '✗'} {name}")
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(report.render(numbers), encoding="utf-8")
    out_json.parent.mkdir(parents=True, exist_ok=True)
    slim = {k: v for k, v in numbers.items() if k != "timeline"}
    out_json.write_text(json.dumps(slim, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"\nwritten {out_html} and {out_json}")
