"""Filing: items (facts, documents) in a fixed order, each filed under keys, and compared only with the nearest
items before it under each of its keys, so that comparing is never all pairs.

An item's comparisons then depend only on the items just before it under its keys. A change (an item new, gone,
or filed under other keys) reaches only the `size` items after it under each key it entered or left, and a rerun
that kept the last filing compares again only those (`reached`): the answers are those of comparing afresh.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice


@dataclass(frozen=True)
class Filing:
    """What a rerun needs of a filing: each item's id (the same for the same item from one run to the next), its
    place in the order, and its keys, in order. Flat lists, which a rerun loads in a fraction of the time one
    record per item would take; an item's keys are strings it shares with others, each kept once in a pickle."""

    ids: list[str]
    orders: list[tuple]
    keys: Sequence[tuple[str, ...]]


def listed(keys: Sequence[Iterable[str]]) -> dict[str, list[int]]:
    """Each key's items, by their place in the order."""
    items: dict[str, list[int]] = defaultdict(list)
    for place, its_keys in enumerate(keys):
        for key in its_keys:
            items[key].append(place)
    return items


def before(items: list[int], place: int, size: int) -> list[int]:
    """The `size` items before `place` in a key's items, nearest last."""
    at = bisect_left(items, place)
    return items[max(0, at - size) : at]


def nearest(keys: Iterable[str], filed: dict[str, list[int]], place: int, size: int) -> Iterator[int]:
    """The items before `place` under any of `keys`, nearest first, each once, at most `size` of each key's."""
    windows = [reversed(before(filed[key], place, size)) for key in keys]
    seen = -1
    for item in heapq.merge(*windows, reverse=True):
        if item != seen:
            seen = item
            yield item


def reached(last: Filing, now: Filing, filed: dict[str, list[int]], size: int) -> set[int]:
    """The places in `now` of the items whose comparisons can differ from those of `last`: those new or filed
    under other keys; in each key one of those entered, the `size` after it; in each key an item left (gone, or
    filed elsewhere), the `size` after where it was that were there before."""
    found: set[int] = set()
    entered: dict[str, list[int]] = defaultdict(list)
    left: dict[str, list[tuple]] = defaultdict(list)
    place_of = {item: place for place, item in enumerate(last.ids)}
    for place, item in enumerate(now.ids):
        old = place_of.pop(item, None)
        if old is not None and last.keys[old] == now.keys[place]:
            continue
        found.add(place)
        keys = set(now.keys[place])
        old_keys = set(last.keys[old]) if old is not None else set()
        for key in keys - old_keys:
            entered[key].append(place)
        if old is not None:
            for key in old_keys - keys:
                left[key].append(last.orders[old])
    for gone in place_of.values():
        for key in last.keys[gone]:
            left[key].append(last.orders[gone])
    for key, places in entered.items():
        items = filed[key]
        for place in places:
            at = bisect_left(items, place)
            found.update(items[at + 1 : at + 1 + size])
    for key, orders in left.items():
        items = filed.get(key, [])
        for order in orders:
            # an item's nearest before it are all still there unless one of them is new (found already)
            at = bisect_left(items, order, key=now.orders.__getitem__)
            found.update(islice((n for n in items[at:] if n not in found), size))
    return found
