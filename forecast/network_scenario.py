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
days of history), so that the demo's network-wide roster is split across its hubs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from forecast.scenario import Scenario

__all__ = ["HUB_SECTIONS", "SHARED_BY_VOLUME", "NetworkScenario"]

#: Sections (and top-level keys) a hub may override.
HUB_SECTIONS = ("staffing", "programme", "productivity", "attendance", "budget")
#: Keys that default to the base value times the hub's volume share.
SHARED_BY_VOLUME = ("staffing.baseline", "programme.workers", "budget")


def _flatten(uid: str, table) -> dict:
    if not isinstance(table, dict):
        raise ValueError(f"[hubs.{uid}] must be a table of scenario keys, got {table!r}")
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
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
        :data:`SHARED_BY_VOLUME` unset gets the base value times its share.

        Parameters
        ----------
        shares : dict of str to float
            Each hub's share of the network's volume (>= 0; they need not sum to 1).

        Examples
        --------
        >>> net = NetworkScenario().for_hubs({"a": 0.25, "b": 0.75})
        >>> net.scenario("a").staffing.baseline, net.scenario("b").programme.workers
        (375.0, 1125.0)
        """
        base = self.base.to_dict(flat=True)
        out = []
        for uid, share in sorted(shares.items()):
            if not share >= 0:
                raise ValueError(f"hub {uid!r}: volume share must be >= 0, got {share!r}")
            changes = self.changes(uid)
            for key in SHARED_BY_VOLUME:
                changes.setdefault(key, float(base[key]) * float(share))
            out.append((uid, tuple(changes.items())))
        out += [(u, c) for u, c in self.hubs if u not in shares]
        return NetworkScenario(self.base, tuple(out))

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
        try:
            with open(path, "rb") as fh:
                return cls.from_dict(tomllib.load(fh))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
