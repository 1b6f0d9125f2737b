"""The garbage collector while a process works through a backlog of events, and serves no requests meanwhile."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BACKLOG_THRESHOLDS = (1_000_000, 5, 100)
"""Python's default is (700, 10, 10): see `rarely_collected`. A young collection only past a million objects: a
catch-up's two pages in hand (the step's and the one read ahead) and its read models' rows are some 100,000 live
objects, and a young collection at 100,000 went through them again and again, ~35 ms of CPU each, twice in 21,000
events (bench/README.md, thirteenth round)."""


@contextmanager
def rarely_collected() -> Iterator[None]:
    """Collects cyclic garbage rarely while it lasts: a batch of events makes hundreds of thousands of objects and next
    to no cycles, and CPython's default, a young collection every 700 objects and with them scans of everything the
    process holds, took 20-28 us of CPU an event (decoding one is ~60 us) where this takes ~3 (bench/README.md, sixth
    round of bench.rebuild). An old collection, which would go through everything, comes after 500 million objects:
    in practice not while it lasts. Not for a process that serves requests meanwhile: each young collection is then a
    pause of its own (see `app.runtime.heap`)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*BACKLOG_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
