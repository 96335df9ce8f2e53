"""Consortia and swaps kept up to date one listing at a time: pure, and exactly
what groups.detection finds from scratch (tests/groups/test_incremental.py checks
that over random sequences of publishes, withdrawals, expiries and edits).

No ORM, no settings (the same import-linter contract as detection). The
benchmark keeps an index in memory; groups.services resumes one from the stored
suggestions and the live listings it reads, applies the one change, and writes
only the suggestions that changed.

Consortia: replaying the greedy growth locally
-----------------------------------------------
detection grows cliques greedily: it takes the pairs of NEEDs in one total order
(best score first, ties on ids: `pair_key`); a pair whose ends are both unused
seeds a group (its common unused neighbours, best first); a group of three or more
uses its members. What the pair at key `k` gives depends only on its two ends,
their common neighbours `C(k)`, the edges among them, and which of those were used
by a group seeded before `k`. So after a change:

* a vertex whose listing changed (published, withdrawn, edited, or its
  organisation's oldest NEED is now another listing) can alter only the pair that
  seeded the group it was in, and pairs whose ends or common neighbours include it:
  pairs inside its closed neighbourhood. A vertex removed that was in no group
  changes nothing (a candidate that was never picked never steered the growth);
* re-evaluating a pair may give a group with other members than before; each
  vertex that gains or loses its place then "diverges" from the old run at that
  key, and only pairs after that key inside its closed neighbourhood can see it.

The replay pops those pairs from a heap in key order, re-evaluates each against
the new graph and the uses made so far, and pushes the pairs around every vertex
that diverges. Every other pair sees exactly what it saw before and gives exactly
what it gave, so the result is the from-scratch answer; the work is the cascade,
usually a neighbourhood or two, not the service.

Edges are found lazily (a grid scan per neighbourhood, a direct test per pair) so a
resumed index touches only the area the change reaches.

Swaps: by slot
--------------
A swap is four "slots" (organisation, kind, service), each its oldest live
listing. A change alters one slot, and only swaps holding that slot can appear or
go: they are recomputed from that organisation's slots and the partners near it.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from groups import detection as d
from matching.savings import SavingsRate
from matching.scoring import ServiceInfo

Key = tuple[float, int, int]  # a pair's place in the greedy order
Cell = tuple[int, int]
Slot = tuple[str, str, int]  # (organisation, kind, service)


def pair_key(a: int, b: int, km: float) -> Key:
    """detection._grow's order: best score first, then the lower and higher id."""
    return (-d.pair_score(km), min(a, b), max(a, b))


def _block(cell: Cell) -> Iterator[Cell]:
    cx, cy = cell
    for dx in range(-d.GRID_SPLIT, d.GRID_SPLIT + 1):
        for dy in range(-d.GRID_SPLIT, d.GRID_SPLIT + 1):
            yield (cx + dx, cy + dy)


class StaleGroups(ValueError):
    """The stored groups do not fit the listings (a member neither live nor given as
    changed): the caller recomputes the service from scratch instead."""


@dataclass(frozen=True)
class Change:
    """What one update changed: consortium (or swap) keys no longer found, records
    new or re-derived, and how many pairs the replay re-evaluated."""

    removed: tuple[str, ...]
    found: tuple[d.Consortium, ...]
    evaluated: int = 0


class ConsortiumIndex:
    """One service's NEEDs and OFFERs, its acceptance graph (found lazily) and the
    greedy groups, updated by `apply`. `consortia()` equals detection.consortia."""

    def __init__(self, service: ServiceInfo, rate: SavingsRate | None = None) -> None:
        self.service = service
        self.rate = rate or SavingsRate()
        self._needs: dict[int, d.Entry] = {}  # every eligible NEED of the service
        self._needs_of: dict[str, set[int]] = defaultdict(set)  # organisation -> NEED pks
        self._vertex: dict[str, int] = {}  # organisation -> its oldest NEED (the vertex)
        self._grid: dict[Cell, set[int]] = defaultdict(set)  # vertices by cell
        self._offers: dict[int, d.Entry] = {}
        self._offer_grid: dict[Cell, list[d.Entry]] = defaultdict(list)
        self._adj: dict[int, dict[int, float]] = {}  # neighbourhoods found so far
        self._pair_cache: dict[tuple[int, int], float | None] = {}  # within one replay
        self._groups: dict[Key, tuple[int, ...]] = {}  # seed pair's key -> members
        self._rank: dict[int, Key] = {}  # member -> its group's key
        self._built: dict[Key, d.Consortium] = {}

    # --- Construction ---------------------------------------------------------------

    @classmethod
    def build(
        cls, entries: Iterable[d.Entry], service: ServiceInfo, rate: SavingsRate | None = None
    ) -> ConsortiumIndex:
        """From scratch, as detection.consortia does (the whole graph found at once)."""
        index = cls(service, rate)
        for e in entries:
            index._load(e)
        index._grid_vertices()
        needs = [index._needs[pk] for pk in sorted(index._vertex.values())]
        index._adj = d.acceptance_graph(needs, service)
        for members in d._grow(index._adj):
            index._set_group(tuple(members))
        return index

    @classmethod
    def resume(
        cls,
        entries: Iterable[d.Entry],
        service: ServiceInfo,
        rate: SavingsRate | None,
        groups: Iterable[Sequence[int]],
        *,
        changed: Iterable[d.Entry],
    ) -> tuple[ConsortiumIndex, Change]:
        """The index after a change, from the listings live now, the groups found
        before it (members in join order, as stored) and the changed listings (as
        they are now, or as they were if no longer live: only their organisation
        and place are read). Returns the index and what the change did."""
        index = cls(service, rate)
        for e in entries:
            index._load(e)
        index._grid_vertices()
        changed = list(changed)
        index._restore(groups, {e.pk: e for e in changed})
        # A member that is no longer its organisation's vertex (an older NEED of the
        # organisation went live again) lost its place: its group is replayed.
        touched = {pk for pk in index._rank if not index._is_vertex(pk)}
        offers: list[d.Entry] = []
        for e in changed:
            touched.add(e.pk)
            vertex = index._vertex.get(e.org)
            if vertex is not None:
                touched.add(vertex)
            if e.kind == d.OFFER and e.service_pk == service.pk:
                offers.append(e)
        # An offer's earlier limits are not known here: any offer near enough counts.
        return index, index._replay(touched, offers, exact=False)

    def _restore(self, groups: Iterable[Sequence[int]], bodies: Mapping[int, d.Entry]) -> None:
        """Take the stored groups as the greedy state before the change; `bodies` are the
        changed listings (for a seed pair's distance if one is no longer live)."""
        changed_orgs = {e.org for e in bodies.values()}
        for members in groups:
            members = tuple(members)
            for pk in members:
                if pk in bodies or self._is_vertex(pk):
                    continue
                if pk not in self._needs:
                    raise StaleGroups(f"listing {pk} is neither live nor changed")
                if self._needs[pk].org not in changed_orgs:
                    raise StaleGroups(f"listing {pk} is not its organisation's oldest need")
            a, b = (self._needs.get(pk) or bodies[pk] for pk in members[:2])
            lo, hi = (a, b) if a.pk < b.pk else (b, a)
            km = d.distance_km(lo.body, hi.body)
            if km is None or len(members) < d.MIN_MEMBERS:
                raise StaleGroups(f"group {members} cannot have been found")
            key = pair_key(a.pk, b.pk, km)
            if key in self._groups or any(pk in self._rank for pk in members):
                raise StaleGroups(f"group {members} overlaps another")
            self._set_group(members, key)

    def _load(self, e: d.Entry) -> None:
        if e.service_pk != self.service.pk:
            return
        if e.kind == d.OFFER:
            self._offers[e.pk] = e
            cell = d._cell(e.body)
            if cell is not None:
                self._offer_grid[cell].append(e)
        elif d.eligible(e.body, self.service):
            self._needs[e.pk] = e
            self._needs_of[e.org].add(e.pk)
            if e.org not in self._vertex or e.pk < self._vertex[e.org]:
                self._vertex[e.org] = e.pk

    def _grid_vertices(self) -> None:
        for pk in self._vertex.values():
            cell = d._cell(self._needs[pk].body)
            if cell is not None:
                self._grid[cell].add(pk)

    def _set_group(self, members: tuple[int, ...], key: Key | None = None) -> None:
        if key is None:
            key = pair_key(members[0], members[1], self._adj[members[0]][members[1]])
        self._groups[key] = members
        for pk in members:
            self._rank[pk] = key

    # --- The graph ------------------------------------------------------------------

    def _is_vertex(self, pk: int) -> bool:
        e = self._needs.get(pk)
        return e is not None and self._vertex.get(e.org) == pk

    def _neighbours(self, pk: int) -> dict[int, float]:
        near = self._adj.get(pk)
        if near is None:
            near = {}
            cell = d._cell(self._needs[pk].body)
            if cell is not None:
                for c in _block(cell):
                    for other in self._grid.get(c, ()):
                        if other != pk:
                            km = self._accept(pk, other)
                            if km is not None:
                                near[other] = km
            self._adj[pk] = near
        return near

    def _accept(self, a: int, b: int) -> float | None:
        """The edge between two vertices (their distance) or None, as
        detection.acceptance_graph decides it (the lower id first)."""
        lo, hi = (self._needs[a], self._needs[b]) if a < b else (self._needs[b], self._needs[a])
        km = d.distance_km(lo.body, hi.body)
        if km is not None and d.mutually_accept(lo, hi, self.service, km):
            return km
        return None

    def _edge(self, a: int, b: int) -> float | None:
        if a in self._adj:
            return self._adj[a].get(b)
        if b in self._adj:
            return self._adj[b].get(a)
        pair = (a, b) if a < b else (b, a)
        if pair not in self._pair_cache:
            self._pair_cache[pair] = self._accept(a, b)
        return self._pair_cache[pair]

    def _add_vertex(self, pk: int) -> None:
        self._vertex[self._needs[pk].org] = pk
        cell = d._cell(self._needs[pk].body)
        if cell is not None:
            self._grid[cell].add(pk)
        self._adj.pop(pk, None)
        for other, km in self._neighbours(pk).items():
            if other in self._adj:
                self._adj[other][pk] = km

    def _drop_vertex(self, pk: int) -> None:
        for other in self._neighbours(pk):
            if other in self._adj:
                self._adj[other].pop(pk, None)
        self._adj.pop(pk, None)
        cell = d._cell(self._needs[pk].body)
        if cell is not None:
            self._grid[cell].discard(pk)
        org = self._needs[pk].org
        if self._vertex.get(org) == pk:
            del self._vertex[org]

    # --- Updates --------------------------------------------------------------------

    def apply(self, *, added: Iterable[d.Entry] = (), removed: Iterable[int] = ()) -> Change:
        """Listings that went live (or changed: give the new record) and listings that
        stopped being live; returns what changed. Exactly detection's answer after."""
        touched: set[int] = set()
        offers: list[d.Entry] = []  # offers that went, came or changed (each version)
        added = list(added)
        gone = set(removed) | {e.pk for e in added if e.pk in self._needs or e.pk in self._offers}
        for pk in gone:
            if pk in self._offers:
                offers.append(self._remove_offer(pk))
            elif pk in self._needs:
                e = self._needs[pk]
                touched.add(pk)
                if self._is_vertex(pk):
                    self._drop_vertex(pk)
                del self._needs[pk]
                self._needs_of[e.org].discard(pk)
                self._elect(e.org, touched)
        for e in added:
            if e.service_pk != self.service.pk:
                continue
            if e.kind == d.OFFER:
                self._offers[e.pk] = e
                cell = d._cell(e.body)
                if cell is not None:
                    self._offer_grid[cell].append(e)
                offers.append(e)
            elif d.eligible(e.body, self.service):
                self._needs[e.pk] = e
                self._needs_of[e.org].add(e.pk)
                touched.add(e.pk)
                self._elect(e.org, touched)
        return self._replay(touched, offers, exact=True)

    def _remove_offer(self, pk: int) -> d.Entry:
        e = self._offers.pop(pk)
        cell = d._cell(e.body)
        if cell is not None:
            self._offer_grid[cell] = [o for o in self._offer_grid[cell] if o.pk != pk]
        return e

    def _elect(self, org: str, touched: set[int]) -> None:
        """The organisation's vertex is its oldest NEED: move it if that changed."""
        now = self._vertex.get(org)
        best = min(self._needs_of[org], default=None)
        if now == best:
            return
        if now is not None and now in self._needs:
            self._drop_vertex(now)
            touched.add(now)
        elif now is not None:
            del self._vertex[org]
        if best is not None:
            self._add_vertex(best)
            touched.add(best)

    def _used(self, pk: int, key: Key) -> bool:
        rank = self._rank.get(pk)
        return rank is not None and rank < key

    def _evaluate(self, key: Key) -> tuple[int, ...] | None:
        """What detection._grow gives at this pair, against the groups seeded before it."""
        _neg, a, b = key
        if not (self._is_vertex(a) and self._is_vertex(b)):
            return None
        if self._used(a, key) or self._used(b, key):
            return None
        km = self._edge(a, b)
        if km is None or pair_key(a, b, km) != key:
            return None
        near_b = self._neighbours(b)
        common = {c for c in self._neighbours(a) if c in near_b and not self._used(c, key)}
        members = [a, b]
        while common and len(members) < d.MAX_MEMBERS:
            best = min(
                common,
                key=lambda c: (-sum(d.pair_score(self._edge(c, m) or 0.0) for m in members), c),
            )
            members.append(best)
            common = {c for c in common if c != best and self._edge(best, c) is not None}
        return tuple(members) if len(members) >= d.MIN_MEMBERS else None

    def _around(self, pk: int, after: Key | None = None, until: Key | None = None) -> Iterator[Key]:
        """The pairs inside the vertex's closed neighbourhood that a change to it can
        alter, with keys in (`after`, `until`] when given (a vertex that took a place
        at `after` and had one at `until` before is used either way after `until`).

        A pair with an end already used by a group seeded before it is skipped by the
        greedy growth and stays skipped unless that end's place changes, and an end
        whose place changes is itself replayed (its own pairs pushed), so such pairs
        are left out (in a dense area most of them are), unless the pair seeded a
        group: an end that has since joined an earlier group dissolves it."""
        if not self._is_vertex(pk):
            return
        near = self._neighbours(pk)
        others = sorted(near)

        def wanted(key: Key, a: int, b: int) -> bool:
            if (after is not None and key <= after) or (until is not None and key > until):
                return False
            return self._open(key, a, b)

        for u in others:
            key = pair_key(pk, u, near[u])
            if wanted(key, pk, u):
                yield key
        if after is not None:  # used from `after` on, they are skipped in every pair after
            others = [u for u in others if not self._used(u, after) and self._rank.get(u) != after]
        for u in others:
            known = self._adj.get(u)
            pairs: Iterator[tuple[int, float | None]]
            if known is not None:  # its neighbourhood is known: intersect, no tests
                pairs = ((w, known[w]) for w in sorted(near.keys() & known.keys()) if w > u)
            else:
                pairs = ((w, self._edge(u, w)) for w in others if w > u)
            for w, km in pairs:
                if km is not None:
                    key = pair_key(u, w, km)
                    if wanted(key, u, w):
                        yield key

    def _open(self, key: Key, a: int, b: int) -> bool:
        """Whether the pair can give anything new: neither end used before it, or it
        seeded a group that must then be dissolved or regrown."""
        return key in self._groups or not (self._used(a, key) or self._used(b, key))

    def _replay(self, touched: set[int], offers: Sequence[d.Entry], exact: bool) -> Change:
        self._pair_cache.clear()
        before, queued = self._cascade(touched)
        # Rebuilt: groups that are new, or whose members or a member's listing changed,
        # and groups an offer that went, came or changed was or may be near enough to
        # serve (it is looked for around the group's first member).
        rebuild = {
            key
            for key in queued
            if key in self._groups
            and (before.get(key) != self._groups[key] or touched & set(self._groups[key]))
        }
        for offer in offers:
            cell = d._cell(offer.body)
            if cell is None:
                continue
            for c in _block(cell):
                for pk in self._grid.get(c, ()):
                    key = self._rank.get(pk)
                    first = key is not None and self._groups[key][0] == pk
                    if first and key is not None and self._may_serve(offer, key, exact):
                        rebuild.add(key)
        found: dict[str, d.Consortium] = {}
        for key in sorted(rebuild):
            self._built.pop(key, None)
            built = self._consortium(key)
            found[built.key] = built
        old_keys = {
            d.consortium_key(self.service.pk, members)
            for key, members in before.items()
            if self._groups.get(key) != members
        }
        self._pair_cache.clear()
        return Change(tuple(sorted(old_keys - set(found))), tuple(found.values()), len(queued))

    def _may_serve(self, offer: d.Entry, key: Key, exact: bool) -> bool:
        """Whether this version of an offer is, or was, among the group's serving
        offers (detection._serving_offers: another organisation, within MAX_KM of
        every member, accepting and accepted by each; the nearest three). Not
        `exact`, the offer's limits are not read (an earlier version's are unknown)."""
        members = [self._needs[pk] for pk in self._groups[key]]
        furthest = 0.0
        for m in members:
            km = d.distance_km(offer.body, m.body)
            if m.org == offer.org or km is None or km > d.MAX_KM:
                return False
            furthest = max(furthest, km)
        if not exact:
            return True
        if not d.eligible(offer.body, self.service):
            return False
        for m in members:
            km = d.distance_km(offer.body, m.body)
            if not (d.accepts(offer, m, km) and d.accepts(m, offer, km)):
                return False
        built = self._built.get(key)
        if (
            built is not None
            and len(built.offers) == 3
            and offer.pk not in {o.entry.pk for o in built.offers}
        ):
            last = built.offers[-1]
            return (furthest, offer.pk) < (last.furthest_km, last.entry.pk)
        return True

    def _cascade(self, touched: set[int]) -> tuple[dict[Key, tuple[int, ...]], set[Key]]:
        """Re-evaluate, in greedy order, the pairs the touched vertices and every vertex
        that diverges reach. Returns the groups replaced (by key) and the keys seen."""
        heap: list[Key] = []
        queued: set[Key] = set()

        def push(key: Key) -> None:
            if key not in queued:
                queued.add(key)
                heapq.heappush(heap, key)

        for pk in sorted(touched):
            if pk in self._rank:
                push(self._rank[pk])
            for key in self._around(pk):
                push(key)
        before: dict[Key, tuple[int, ...]] = {}
        while heap:
            key = heapq.heappop(heap)
            old, new, had = self._step(key)
            if old is not None:
                before[key] = old
            # A vertex that gained or lost its place here diverges from the old run:
            # later pairs around it may now give something else.
            for pk in sorted(set(old or ()) - set(new or ())):
                for later in self._around(pk, after=key):
                    push(later)
            for pk in sorted(set(new or ()) - set(old or ())):
                for later in self._around(pk, after=key, until=had.get(pk)):
                    push(later)
        return before, queued

    def _step(
        self, key: Key
    ) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None, dict[int, Key]]:
        """Replace what the pair at `key` gave by what it gives now: (old, new, the
        places the new members had before, for those that had one)."""
        old = self._groups.pop(key, None)
        if old is not None:
            self._built.pop(key, None)
            for pk in old:
                if self._rank.get(pk) == key:
                    del self._rank[pk]
        new = self._evaluate(key)
        had: dict[int, Key] = {}
        if new is not None:
            self._groups[key] = new
            for pk in new:
                if pk in self._rank:
                    had[pk] = self._rank[pk]
                self._rank[pk] = key
        return old, new, had

    # --- Answers --------------------------------------------------------------------

    def _consortium(self, key: Key) -> d.Consortium:
        built = self._built.get(key)
        if built is None:
            built = d.build_consortium(
                self._groups[key],
                self._needs,
                lambda a, b: self._edge(a, b) or 0.0,
                self._offer_grid,
                self.service,
                self.rate,
            )
            self._built[key] = built
        return built

    def groups(self) -> list[tuple[int, ...]]:
        """Members of each group in join order, best seed first."""
        return [self._groups[key] for key in sorted(self._groups)]

    def consortia(self) -> list[d.Consortium]:
        """As detection.consortia returns them (best pair's group first)."""
        return [self._consortium(key) for key in sorted(self._groups)]


@dataclass(frozen=True)
class SwapChange:
    removed: tuple[str, ...]
    found: tuple[d.Swap, ...]


class SwapIndex:
    """Every organisation's slots (its oldest listing of each kind and service) and the
    swaps they make, updated by `apply`. `swaps()` equals detection.swaps."""

    def __init__(
        self,
        services: Mapping[int, ServiceInfo],
        rates: Mapping[int, SavingsRate] | None = None,
    ) -> None:
        self.services = services
        self.rates = rates or {}
        self._listings: dict[int, d.Entry] = {}
        self._in_slot: dict[Slot, set[int]] = defaultdict(set)
        self._slot: dict[Slot, d.Entry] = {}  # the slot's oldest listing
        self._of_org: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        # (kind, service) -> cell -> organisations with that slot
        self._grid: dict[tuple[str, int], dict[Cell, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self._org_cell: dict[str, Cell | None] = {}
        self._swaps: dict[str, d.Swap] = {}
        self._of_slot: dict[Slot, set[str]] = defaultdict(set)

    @classmethod
    def build(
        cls,
        entries: Iterable[d.Entry],
        services: Mapping[int, ServiceInfo],
        rates: Mapping[int, SavingsRate] | None = None,
    ) -> SwapIndex:
        index = cls(services, rates)
        for e in entries:
            index._put(e)
        for swap in d.swaps(list(index._slot.values()), services, rates):
            index._keep(swap)
        return index

    @classmethod
    def of(
        cls,
        entries: Iterable[d.Entry],
        services: Mapping[int, ServiceInfo],
        rates: Mapping[int, SavingsRate] | None = None,
    ) -> SwapIndex:
        """The slots only, no swaps found yet: for `slot_swaps` on a few slots, from
        the listings of the organisations around them (groups.services)."""
        index = cls(services, rates)
        for e in entries:
            index._put(e)
        return index

    def _put(self, e: d.Entry) -> Slot | None:
        if e.service_pk not in self.services:
            return None
        slot = (e.org, e.kind, e.service_pk)
        self._org_cell[e.org] = d._cell(e.body)  # one place per organisation
        self._listings[e.pk] = e
        self._in_slot[slot].add(e.pk)
        self._elect(slot)
        return slot

    def _elect(self, slot: Slot) -> None:
        org, kind, service = slot
        pks = self._in_slot[slot]
        cell = self._org_cell.get(org)
        if not pks:
            self._slot.pop(slot, None)
            self._of_org[org][kind].discard(service)
            if cell is not None:
                self._grid[(kind, service)][cell].discard(org)
            return
        e = self._listings[min(pks)]
        self._slot[slot] = e
        self._of_org[org][kind].add(service)
        if cell is not None:
            self._grid[(kind, service)][cell].add(org)

    def _keep(self, swap: d.Swap) -> None:
        self._swaps[swap.key] = swap
        for e in (swap.a_offer, swap.a_need, swap.b_offer, swap.b_need):
            self._of_slot[(e.org, e.kind, e.service_pk)].add(swap.key)

    def _drop(self, key: str) -> None:
        swap = self._swaps.pop(key)
        for e in (swap.a_offer, swap.a_need, swap.b_offer, swap.b_need):
            self._of_slot[(e.org, e.kind, e.service_pk)].discard(key)

    def apply(self, *, added: Iterable[d.Entry] = (), removed: Iterable[int] = ()) -> SwapChange:
        """Listings that went live (or changed) and that stopped being live."""
        slots: set[Slot] = set()
        added = list(added)
        for pk in set(removed) | {e.pk for e in added if e.pk in self._listings}:
            e = self._listings.pop(pk, None)
            if e is not None:
                slot = (e.org, e.kind, e.service_pk)
                self._in_slot[slot].discard(pk)
                self._elect(slot)
                slots.add(slot)
        for e in added:
            put = self._put(e)
            if put is not None:
                slots.add(put)
        removed_keys: set[str] = set()
        found: dict[str, d.Swap] = {}
        for slot in sorted(slots):
            for key in sorted(self._of_slot.get(slot, ())):
                self._drop(key)
                removed_keys.add(key)
                found.pop(key, None)
            for swap in self.slot_swaps(slot):
                self._keep(swap)
                found[swap.key] = swap
        return SwapChange(tuple(sorted(removed_keys - set(found))), tuple(found.values()))

    def slot_swaps(self, slot: Slot) -> list[d.Swap]:
        """Every swap holding this slot (organisation, kind, service), best first: the
        organisation's slots of the other kind, and partners near it with the reverse."""
        e = self._slot.get(slot)
        if e is None:
            return []
        org, kind, x = slot
        other = d.NEED if kind == d.OFFER else d.OFFER
        cell = d._cell(e.body)
        if cell is None:
            return []
        partners = sorted(
            {b for c in _block(cell) for b in self._grid[(other, x)].get(c, ()) if b != org}
        )
        found: dict[str, d.Swap] = {}
        for y in sorted(self._of_org[org][other]):
            if y == x:
                continue
            mine = self._slot[(org, other, y)]
            for b in partners:
                theirs = self._slot.get((b, kind, y))
                if theirs is None:
                    continue
                reverse = self._slot[(b, other, x)]
                if kind == d.OFFER:  # org offers x and needs y; b offers y and needs x
                    swap = d.swap_of(e, mine, theirs, reverse, self.services, self.rates)
                else:  # org needs x and offers y; b offers x and needs y
                    swap = d.swap_of(mine, e, reverse, theirs, self.services, self.rates)
                if swap is not None:
                    found[swap.key] = swap
        return sorted(found.values(), key=lambda s: (-s.score, s.key))

    def swaps(self) -> list[d.Swap]:
        return sorted(self._swaps.values(), key=lambda s: (-s.score, s.key))
