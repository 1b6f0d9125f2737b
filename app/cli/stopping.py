"""A stop asked for with SIGTERM or SIGINT, heard from the moment a long-running command starts.

A worker command (`project`, `relay`, `deliver`, `automate`) takes a while to start: imports, a connection, a look at
the migrations. A signal in that time would kill it with the default action (exit -15, mid-connection); heard here, it
stops the command cleanly as soon as its loop runs, before it does any work.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

ASKED = threading.Event()
"""Set once SIGTERM or SIGINT has arrived since `listen`."""


def listen() -> None:
    """From now on SIGTERM and SIGINT set ASKED (until a command's loop puts handlers of its own in their place)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        ASKED.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handle)
