"""The relay's pages of messages, made in a process of its own beside the process publishing them.

Reading the events and writing their envelopes costs the relay about twice what publishing them does, all of it
Python: in a thread it takes the GIL from the publishing loop, in a process of its own it runs on another CPU. The
process is forked from the relay, so it starts in milliseconds with everything imported, and opens a runtime of its
own (it touches none of the relay's connections). Asked over a socket for the pages after a position, it makes them
one after another, each sent pickled as soon as it is made, as far ahead of the relay's publishing as the socket
holds (AHEAD), until one is empty or cannot be made (then it sends why).

A page is taken only once it has arrived whole, so the process dying (or being killed) loses or doubles nothing: the
relay's read of the answer ends short, it fails with ReaderFailed and starts over with a new process, from where the
stream stands. The process ends when its socket does: when the relay closes it, or when the relay dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import pickle
import signal
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from multiprocessing.process import BaseProcess
from typing import NamedTuple

from app.config.settings import Settings
from app.read.failures import ReadModelStopped
from app.runtime.wiring import Runtime, open_runtime

log = logging.getLogger(__name__)

SIZE = 8
"""Bytes of a request (the position a page starts after) and of an answer's length."""
AHEAD = 4 * 1024 * 1024
"""Bytes of pages the process may make ahead of the relay's publishing, about (a page of 500 is ~0.5 MB)."""
CLOSE_TIMEOUT = 10.0
"""Seconds the process may take to finish a page and end once its socket is closed, before it is killed."""
GC_THRESHOLD = 100_000
"""Objects the process allocates between collections of the youngest generation: a page's are its events' JSON,
freed once it is sent, with no cycles to find; at the default (700) they lived to the oldest generation and set off
full collections, ~10% of the process's CPU."""

Make = Callable[[Runtime, int], "list[Message]"]
"""How the process makes the page after a position, with its own runtime."""


class Message(NamedTuple):
    """An event as the relay publishes it: its position, id, subject and envelope, made before it is sent."""

    position: int
    id: str
    subject: str
    payload: bytes


class ReaderFailed(Exception):
    """The process making the relay's pages failed, or ended before it answered."""


class Pages:
    """The relay's side of the process: has it follow the ledger from a position, and takes its pages."""

    def __init__(self, process: BaseProcess, answers: asyncio.StreamReader, requests: asyncio.StreamWriter) -> None:
        self.process = process
        self._answers = answers
        self._requests = requests

    def follow(self, after: int) -> None:
        """Has the process make the pages after position `after`, one after another, until one is empty (it is at
        the head) or cannot be made; only once it answered so for the pages it followed before."""
        self._requests.write(after.to_bytes(SIZE, "big"))

    async def next(self) -> list[Message]:
        """The next page; ReadModelStopped while a read model it needs has stopped, ReaderFailed if the process
        failed or ended."""
        try:
            size = int.from_bytes(await self._answers.readexactly(SIZE), "big")
            answer = pickle.loads(await self._answers.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError):
            await asyncio.to_thread(self.process.join, CLOSE_TIMEOUT)
            raise ReaderFailed(f"the relay's reader process ended (exit code {self.process.exitcode})") from None
        if isinstance(answer, BaseException):
            raise answer
        page: list[Message] = answer
        return page

    async def close(self) -> None:
        """Closes the socket, which ends the process once its page is made; kills it if it takes too long."""
        self._requests.close()
        with contextlib.suppress(ConnectionError):
            await self._requests.wait_closed()
        await asyncio.to_thread(self.process.join, CLOSE_TIMEOUT)
        if self.process.exitcode is None:
            self.process.kill()
            await asyncio.to_thread(self.process.join)


@contextlib.asynccontextmanager
async def forked(settings: Settings, make: Make) -> AsyncIterator[Pages]:
    """A process making pages with `make`, forked from this one, ended at the end."""
    ours, theirs = socket.socketpair()
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(theirs, ours, settings, make), name="docket relay reader"
    )
    with ours:
        process.start()
        theirs.close()
        answers, requests = await asyncio.open_connection(sock=ours, limit=AHEAD)
        pages = Pages(process, answers, requests)
        try:
            yield pages
        finally:
            await pages.close()


def _serve(sock: socket.socket, relays: socket.socket, settings: Settings, make: Make) -> None:
    """The process: follows each request on `sock` until the socket ends. Signals are the relay's to act on (its
    loop hears them through a wakeup descriptor this process shares): it ends when the relay closes the socket."""
    relays.close()  # the relay's end, or the socket would never end here
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    gc.freeze()  # what it inherits lives as long as it does: collections need not go through it again and again
    gc.set_threshold(GC_THRESHOLD)
    runtime = open_runtime(settings, prepare=False)
    try:
        with sock, sock.makefile("rb") as requests:
            while len(request := requests.read(SIZE)) == SIZE:
                for answer in _pages(make, runtime, int.from_bytes(request, "big")):
                    pickled = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
                    sock.sendall(len(pickled).to_bytes(SIZE, "big") + pickled)
    except ConnectionError:  # the relay is gone
        pass
    finally:
        runtime.close()


def _pages(make: Make, runtime: Runtime, after: int) -> Iterator[list[Message] | Exception]:
    """The pages after `after` until one is empty; or, last, ReadModelStopped or ReaderFailed (a fault, logged here
    whole) when one cannot be made."""
    while True:
        try:
            page = make(runtime, after)
        except ReadModelStopped as stopped:
            yield stopped
            return
        except Exception:  # a fault of the relay's own (the database, say): the relay fails its session, starts over
            log.exception("the relay's reader process failed")
            yield ReaderFailed("the relay's reader process failed (see above)")
            return
        yield page
        if not page:
            return
        after = page[-1].position
