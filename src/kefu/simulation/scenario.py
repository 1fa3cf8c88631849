"""A peak-day scenario: arrivals, buyers, handle times, patience and staffing, read from TOML or JSON.

The file format is documented in the default scenario, ``peakday.toml``. Times of day are "HH:MM"
strings; per-hour lists have one value per hour of the simulated day.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kefu.routing.rules import Policy

DEFAULT_SCENARIO = Path(__file__).with_name("peakday.toml")


@dataclass(frozen=True)
class Spike:
    start_s: float
    end_s: float
    per_hour: float


@dataclass(frozen=True)
class CaseType:
    """One kind of conversation: the intent the rules see, its share and its handle-time distribution."""
    name: str
    intent: str
    share: float
    handle_mean_s: float
    handle_cv: float
    angry_share: float
    label: str = ""

    @property
    def lognormal(self) -> tuple[float, float]:
        """(mu, sigma) of the lognormal with this mean and coefficient of variation."""
        sigma2 = math.log(1.0 + self.handle_cv ** 2)
        return math.log(self.handle_mean_s) - sigma2 / 2, math.sqrt(sigma2)


@dataclass(frozen=True)
class Team:
    group: str
    role: str
    max_chats: int
    skills: frozenset[str]
    agents: tuple[int, ...]  # agents on shift, per hour


@dataclass(frozen=True)
class Scenario:
    name: str
    start: datetime
    hours: int
    seed: int
    per_hour: tuple[float, ...]
    spikes: tuple[Spike, ...]
    cases: tuple[CaseType, ...]
    teams: tuple[Team, ...]
    angry_anger: tuple[float, float] = (0.5, 1.0)
    calm_anger: tuple[float, float] = (0.0, 0.4)
    abusive_share: float = 0.01
    vip_shares: tuple[float, ...] = (1.0,)
    patience_median_s: float = 300.0
    patience_sigma: float = 0.8
    angry_patience_factor: float = 0.5
    greet_after_s: float = 15.0
    fifo_auto_greeting: bool = False
    window: tuple[float, float] = (0.0, 0.0)  # the peak window the targets are measured on, seconds of day
    sample_every_s: float = 60.0
    policy: Policy = field(default_factory=Policy)

    @property
    def duration_s(self) -> float:
        return self.hours * 3600.0

    def rate(self, t: float) -> float:
        """Arrivals per second at ``t`` seconds into the day (a spike replaces the hourly rate)."""
        for s in self.spikes:
            if s.start_s <= t < s.end_s:
                return s.per_hour / 3600.0
        hour = min(int(t // 3600), len(self.per_hour) - 1)
        return self.per_hour[hour] / 3600.0

    def max_rate(self) -> float:
        return max([*self.per_hour, *(s.per_hour for s in self.spikes)]) / 3600.0

    def mean_handle_s(self) -> float:
        total = sum(c.share for c in self.cases)
        return sum(c.share * c.handle_mean_s for c in self.cases) / total

    def seats(self, hour: int, plain_only: bool = False) -> int:
        return sum(t.agents[hour] * t.max_chats for t in self.teams
                   if not plain_only or t.role in ("agent", "senior"))

    def agents_on_shift(self, hour: int) -> int:
        return sum(t.agents[hour] for t in self.teams)

    def peak_hour(self) -> int:
        """The busiest hour by expected arrivals (spikes included)."""
        def expected(h: int) -> float:
            return sum(self.rate(h * 3600 + m * 60 + 30) * 60 for m in range(60))
        return max(range(self.hours), key=expected)

    def expected_arrivals(self, hour: int) -> float:
        return sum(self.rate(hour * 3600 + m * 60 + 30) * 60 for m in range(60))


def clock(value: str) -> float:
    """'20:30' -> seconds into the day ('24:00' allowed as the end of the day)."""
    hh, mm = value.split(":")
    return int(hh) * 3600 + int(mm) * 60


def _hourly(values, hours: int, what: str) -> tuple:
    if isinstance(values, int | float):
        return (values,) * hours
    if len(values) != hours:
        raise ValueError(f"{what}: expected {hours} hourly values, got {len(values)}")
    return tuple(values)


def from_dict(d: dict) -> Scenario:
    hours = int(d.get("hours", 24))
    arr = d["arrivals"]
    buyers = d.get("buyers", {})
    patience = d.get("patience", {})
    default_angry = float(buyers.get("angry_share", 0.1))
    cases = tuple(
        CaseType(name, c.get("intent", name), float(c["share"]), float(c["handle_mean_s"]),
                 float(c.get("handle_cv", 0.8)), float(c.get("angry_share", default_angry)), c.get("label", ""))
        for name, c in d["cases"].items())
    teams = tuple(
        Team(t["group"], t.get("role", "agent"), int(t.get("max_chats", 5)), frozenset(t.get("skills", ())),
             tuple(int(x) for x in _hourly(t["agents"], hours, f"team {t['group']}/{t.get('role', 'agent')}")))
        for t in d["staff"])
    window = d.get("window", {})
    policy_fields = {k: v for k, v in d.get("policy", {}).items() if k in Policy.__dataclass_fields__}
    return Scenario(
        name=d.get("name", "scenario"),
        start=datetime.fromisoformat(d.get("start", "2026-11-11T00:00:00+08:00")),
        hours=hours,
        seed=int(d.get("seed", 11)),
        per_hour=tuple(float(x) for x in _hourly(arr["per_hour"], hours, "arrivals.per_hour")),
        spikes=tuple(Spike(clock(s["start"]), clock(s["end"]), float(s["per_hour"])) for s in arr.get("spikes", [])),
        cases=cases,
        teams=teams,
        angry_anger=tuple(buyers.get("angry_anger", (0.5, 1.0))),
        calm_anger=tuple(buyers.get("calm_anger", (0.0, 0.4))),
        abusive_share=float(buyers.get("abusive_share", 0.01)),
        vip_shares=tuple(float(x) for x in buyers.get("vip_shares", (1.0,))),
        patience_median_s=float(patience.get("median_s", 300.0)),
        patience_sigma=float(patience.get("sigma", 0.8)),
        angry_patience_factor=float(patience.get("angry_factor", 0.5)),
        greet_after_s=float(d.get("greet_after_s", 15.0)),
        fifo_auto_greeting=bool(d.get("fifo_auto_greeting", False)),
        window=(clock(window.get("start", "00:00")), clock(window.get("end", f"{hours:02d}:00"))),
        sample_every_s=float(d.get("sample_every_s", 60.0)),
        policy=Policy(**policy_fields),
    )


def load(path: Path | None = None) -> Scenario:
    """Read a scenario file (.toml or .json); None reads the default peak-day scenario."""
    path = Path(path) if path else DEFAULT_SCENARIO
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    return from_dict(data)
