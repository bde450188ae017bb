"""A network scenario: one base :class:`~forecast.scenario.Scenario` and what each hub changes.

Every hub shares the base scenario's window, promise, compensation, labour and operations
(the network's common facts); a hub may override only its own staffing-side sections:

- ``staffing.*`` (roster baseline and per-date overrides), ``programme.*`` (programme
  workers, bonus, dates), ``productivity.*``, ``attendance.*``;
- ``budget``: the hub's own programme budget (for its per-hub budget risk). The network
  budget is the base scenario's ``budget``, compared with the network's spend (the sum of
  the hubs' spend on each path).

In TOML, hubs are ``[hubs.<unique_id>]`` tables of dotted or nested keys beside the usual
sections::

    unique_id = "total"          # the network total (single-series pages)
    budget = 5_000_000.0         # the network's programme budget

    [hubs.kwai-chung]
    "staffing.baseline" = 480
    programme = { workers = 450 }

**Defaults by volume share** (:meth:`NetworkScenario.for_hubs`): a hub that does not set
``staffing.baseline``, ``programme.workers`` or ``budget`` gets the base scenario's value
times its share of the network's volume (the planner computes the share over the last 365
days of history; headcounts in whole workers), so that the demo's network-wide roster is
split across its hubs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.scenario import Scenario, lny_shift, shift_dates
from forecast.scenario_files import read_toml

__all__ = ["HEADCOUNTS", "HUB_SECTIONS", "SHARED_BY_VOLUME", "SHARE_DAYS", "NetworkScenario",
           "check_hub_overrides", "hub_total_mismatch", "network_hubs", "volume_shares"]

#: Sections (and top-level keys) a hub may override.
HUB_SECTIONS = ("staffing", "programme", "productivity", "attendance", "budget")
#: Keys that default to the base value times the hub's volume share.
SHARED_BY_VOLUME = ("staffing.baseline", "programme.workers", "budget")
#: The keys of :data:`SHARED_BY_VOLUME` that count workers: split into whole ones.
HEADCOUNTS = ("staffing.baseline", "programme.workers")
#: The baseline roster's per-date headcounts, split by volume share date by date.
OVERRIDES = "staffing.overrides"


def _whole(raw: dict[str, float]) -> dict[str, float]:
    """``raw`` rounded to whole numbers that add up to its rounded sum (largest remainders).

    >>> _whole({"a": 1.4, "b": 1.3, "c": 0.3})
    {'a': 2.0, 'b': 1.0, 'c': 0.0}
    """
    floor = {k: float(np.floor(v)) for k, v in raw.items()}
    left = int(round(sum(raw.values()) - sum(floor.values())))
    for k in sorted(raw, key=lambda k: floor[k] - raw[k])[:left]:
        floor[k] += 1.0
    return floor


def _flatten(uid: str, table) -> dict:
    if not isinstance(table, dict):
        raise ValueError(f"[hubs.{uid}] must be a table of scenario keys, got {table!r}")
    out = {}
    for key, value in table.items():
        if isinstance(value, dict) and str(key) != OVERRIDES:  # a section's table
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:  # a dotted key's value (overrides may be a table of date = workers)
            out[str(key)] = value
    return out


def _freeze(value):
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    return value


@dataclass(frozen=True)
class NetworkScenario:
    """The base scenario and each hub's changes to it (validated on construction).

    Parameters
    ----------
    base : Scenario
        Shared defaults; its ``budget`` is the network's budget and its ``unique_id`` the
        network total's series (if the history has one).
    hubs : tuple of (str, tuple of (str, object))
        ``(unique_id, ((dotted_key, value), ...))`` per hub that changes anything; keys
        from :data:`HUB_SECTIONS`. Hubs not named here use the base scenario.

    Examples
    --------
    >>> net = NetworkScenario.from_dict({"budget": 2e6,
    ...                                  "hubs": {"a": {"programme.workers": 300}}})
    >>> net.scenario("a").programme.workers, net.scenario("b").programme.workers
    (300.0, 1500.0)
    >>> NetworkScenario.from_dict({"hubs": {"a": {"window.end": "2026-03-01"}}})
    Traceback (most recent call last):
    ...
    ValueError: [hubs.a] key 'window.end': a hub may override staffing, programme, productivity, attendance, budget; the window and the other sections are shared
    """

    base: Scenario = field(default_factory=Scenario)
    hubs: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.base, Scenario):
            raise ValueError(f"NetworkScenario.base must be a Scenario, got "
                             f"{type(self.base).__name__}")
        clean, seen = [], set()
        for item in self.hubs:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise ValueError(f"NetworkScenario.hubs items must be (unique_id, changes), "
                                 f"got {item!r}")
            uid, changes = item
            if not isinstance(uid, str) or not uid:
                raise ValueError(f"a hub's unique_id must be a non-empty string, got {uid!r}")
            if uid in seen:
                raise ValueError(f"hub {uid!r} is given twice")
            seen.add(uid)
            changes = dict(changes)
            for key in changes:
                if str(key).partition(".")[0] not in HUB_SECTIONS:
                    raise ValueError(f"[hubs.{uid}] key {key!r}: a hub may override "
                                     f"{', '.join(HUB_SECTIONS)}; the window and the other "
                                     "sections are shared")
            try:
                self.base.updated(changes)
            except ValueError as exc:
                raise ValueError(f"[hubs.{uid}] {exc}") from None
            clean.append((uid, tuple(sorted((k, _freeze(v)) for k, v in changes.items()))))
        object.__setattr__(self, "hubs", tuple(sorted(clean)))

    @property
    def budget(self) -> float:
        """The network's programme budget (HK$)."""
        return self.base.budget

    def changes(self, uid: str) -> dict:
        """The dotted changes hub ``uid`` makes to the base scenario (empty if none)."""
        return dict(dict(self.hubs).get(uid, ()))

    def scenario(self, uid: str) -> Scenario:
        """Hub ``uid``'s scenario: the base with the hub's changes and ``unique_id``."""
        return self.base.updated({**self.changes(uid), "unique_id": uid})

    def for_hubs(self, shares: dict[str, float]) -> NetworkScenario:
        """A copy in which every hub of ``shares`` that leaves a key of
        :data:`SHARED_BY_VOLUME` unset gets the base value times its share, and one that
        leaves ``staffing.overrides`` unset gets each override date at the network's ratio of
        that date's roster to the baseline, applied to its own baseline (its share of the
        network's, or the one it sets).

        Parameters
        ----------
        shares : dict of str to float
            Each hub's share of the network's volume (>= 0; they need not sum to 1).
        Headcounts (:data:`HEADCOUNTS`) are split into whole workers (largest
        remainders: they add up to the base value times the shares' sum, rounded).

        Examples
        --------
        >>> net = NetworkScenario().for_hubs({"a": 0.25, "b": 0.75})
        >>> net.scenario("a").staffing.baseline, net.scenario("b").programme.workers
        (375.0, 1125.0)
        >>> net = NetworkScenario.from_dict({"staffing": {"overrides": [["2026-02-16", 1201]]}})
        >>> [net.for_hubs({"a": 0.25, "b": 0.75}).scenario(u).staffing.overrides[0][1]
        ...  for u in "ab"]
        [300.0, 901.0]
        """
        base = self.base.to_dict(flat=True)
        for uid, share in shares.items():
            if not share >= 0:
                raise ValueError(f"hub {uid!r}: volume share must be >= 0, got {share!r}")
        split = {}
        for key in SHARED_BY_VOLUME:
            raw = {uid: float(base[key]) * float(share) for uid, share in shares.items()
                   if key not in self.changes(uid)}
            split[key] = raw if key not in HEADCOUNTS else _whole(raw)
        # the baseline's per-date overrides: each hub keeps the network's ratio of that day's
        # roster to its baseline, on its own baseline (its share of it, or its own value)
        split[OVERRIDES] = {}
        if base[OVERRIDES]:
            baseline = float(base["staffing.baseline"])
            free = [uid for uid in shares if OVERRIDES not in self.changes(uid)]
            own = {uid: float(split["staffing.baseline"].get(
                uid, self.changes(uid).get("staffing.baseline", 0.0))) for uid in free}
            days = [(day, _whole({uid: own[uid] * float(workers) / baseline if baseline > 0
                                  else float(workers) * float(shares[uid]) for uid in free}))
                    for day, workers in base[OVERRIDES]]
            split[OVERRIDES] = {uid: [[day, by_hub[uid]] for day, by_hub in days]
                                for uid in free}
        out = []
        for uid in sorted(shares):
            changes = self.changes(uid)
            for key in (*SHARED_BY_VOLUME, OVERRIDES):
                if uid in split[key]:
                    changes[key] = split[key][uid]
            out.append((uid, tuple(changes.items())))
        out += [(u, c) for u, c in self.hubs if u not in shares]
        return NetworkScenario(self.base, tuple(out))

    def for_lny(self, year: int) -> NetworkScenario:
        """Every date of the base scenario and of the hubs' changes moved to the LNY of
        ``year`` (:meth:`forecast.scenario.Scenario.for_lny`).

        Examples
        --------
        >>> net = NetworkScenario.from_dict({"hubs": {"a": {"programme.start": "2026-02-12"}}})
        >>> moved = net.for_lny(2027)
        >>> moved.base.lny, moved.scenario("a").programme.start
        (datetime.date(2027, 2, 6), datetime.date(2027, 2, 1))
        """
        days = lny_shift(self.base.lny, year)
        if not days:
            return self
        hubs = tuple((uid, tuple((k, shift_dates(v, days)) for k, v in changes))
                     for uid, changes in self.hubs)
        return NetworkScenario(self.base.for_lny(year), hubs)

    @classmethod
    def from_dict(cls, mapping: dict) -> NetworkScenario:
        """Build from a scenario mapping with an optional ``hubs`` table of hub tables."""
        if not isinstance(mapping, dict):
            raise ValueError(f"a scenario must be a mapping, got {type(mapping).__name__}")
        rest = {k: v for k, v in mapping.items() if k != "hubs"}
        hubs = mapping.get("hubs", {})
        if not isinstance(hubs, dict):
            raise ValueError(f"[hubs] must be a table of [hubs.<unique_id>] tables, got {hubs!r}")
        return cls(Scenario.from_dict(rest),
                   tuple((str(uid), tuple(_flatten(uid, t).items())) for uid, t in hubs.items()))

    @classmethod
    def from_toml(cls, path: str | Path) -> NetworkScenario:
        """Load from a scenario TOML file with optional ``[hubs.<unique_id>]`` tables."""
        table = read_toml(path)
        try:
            return cls.from_dict(table)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


#: Days of recent history behind each hub's volume share (see ``NetworkScenario.for_hubs``).
SHARE_DAYS = 365


def network_hubs(history: pd.DataFrame, network: NetworkScenario) -> list[str]:
    """The hubs of a network plan: every series except the network total
    (``network.base.unique_id``), sorted."""
    return sorted(set(map(str, history["unique_id"])) - {network.base.unique_id})


def volume_shares(history: pd.DataFrame, hubs) -> dict[str, float]:
    """Each hub's share of the hubs' volume, each over its own last :data:`SHARE_DAYS`
    days (a hub whose history ends earlier or later than the others' keeps its share).

    Examples
    --------
    >>> h = pd.DataFrame({"unique_id": ["a"] * 2 + ["b"] * 2, "y": [1.0, 1.0, 3.0, 3.0],
    ...                   "ds": pd.to_datetime(["2025-01-01", "2025-01-02"] * 2)})
    >>> volume_shares(h.assign(ds=h.ds.where(h.unique_id == "a", h.ds + pd.Timedelta(days=400))),
    ...               ["a", "b"])
    {'a': 0.25, 'b': 0.75}
    """
    hub = history[history["unique_id"].isin(hubs)]
    last = hub.groupby("unique_id")["ds"].transform("max")
    recent = hub[hub["ds"] > last - pd.Timedelta(days=SHARE_DAYS)]
    volume = recent.groupby("unique_id")["y"].sum()
    volume = volume.reindex(hubs, fill_value=0.0)
    total = float(volume.sum())
    return {u: (float(v) / total if total > 0 else 1 / len(hubs)) for u, v in volume.items()}


#: How :func:`hub_total_mismatch`'s warning starts (the report looks for it).
HUB_MISMATCH = "the hubs' volume"


def hub_total_mismatch(history: pd.DataFrame, hubs, total: str, *,
                       tolerance: float = 0.05) -> str | None:
    """A warning if the hubs' volume over the last :data:`SHARE_DAYS` days differs from the
    network total series ``total`` by more than ``tolerance`` (relative), else None (also
    when ``total`` is not in the history).

    The network plan sums the hubs; pages 3-4 of the briefing plan ``total``. Series that
    overlap (arrivals, departures and their total as three "hubs") or a missing hub make
    the two disagree.

    Examples
    --------
    >>> ds = pd.date_range("2025-01-01", periods=3)
    >>> h = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3 + ["total"] * 3,
    ...                   "ds": list(ds) * 3, "y": [1.0] * 3 + [2.0] * 3 + [3.0] * 3})
    >>> hub_total_mismatch(h, ["a", "b"], "total") is None
    True
    >>> hub_total_mismatch(h, ["a", "b", "total"], "total")[:44]
    "the hubs' volume over the last 365 days is 2"
    """
    recent = history[history["ds"] > history["ds"].max() - pd.Timedelta(days=SHARE_DAYS)]
    base = float(recent.loc[recent["unique_id"] == total, "y"].sum())
    if base <= 0:
        return None
    ratio = float(recent.loc[recent["unique_id"].isin(list(hubs)), "y"].sum()) / base
    if abs(ratio - 1.0) <= tolerance:
        return None
    return (f"{HUB_MISMATCH} over the last {SHARE_DAYS} days is {ratio:.2f}x that of "
            f"{total!r}: the hubs do not add up to the network total (overlapping or missing "
            f"series?); pages 3-4 (notebooks 02-04) plan {total!r} as one site, page 1 and the "
            "network page (notebook 05) the sum of the hubs")


def check_hub_overrides(network: NetworkScenario, series, *, where: str = "scenario") -> None:
    """A ``ValueError`` naming every ``[hubs.<id>]`` table whose ``<id>`` is not a hub of
    the history (``series``: its series names; the network total is not a hub).

    Examples
    --------
    >>> net = NetworkScenario.from_dict({"hubs": {"blue_line": {"programme.workers": 9}}})
    >>> check_hub_overrides(net, ["red_line", "total"])
    Traceback (most recent call last):
    ...
    ValueError: scenario: [hubs.blue_line] names no hub of the history; hubs there: ['red_line']
    """
    hubs = sorted(set(map(str, series)) - {network.base.unique_id})
    unknown = [uid for uid, _ in network.hubs if uid not in hubs]
    if unknown:
        tables = ", ".join(f"[hubs.{u}]" for u in unknown)
        raise ValueError(f"{where}: {tables} names no hub of the history; hubs there: "
                         f"{hubs[:20]}")
