"""Reading requests whole before serving them, so that slow clients cannot starve the server.

A thread per connection from the moment it is accepted lets 64 sockets that each send a header
line every few seconds hold every thread, the browser's requests refused meanwhile, and before
any token has been checked. Here one thread reads every connection's request line and headers as
they trickle in, holding only a socket and a buffer for each; a request is handed on, to a thread
of its own, only once it is complete. A client gets `timeout` seconds to send its whole request,
then is closed; and when too many are waiting, the one waiting longest is closed to make room,
so a new connection is always read.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024  # bytes of request line and headers; more is no browser's request
MAX_WAITING = 256  # connections whose request is still coming in
END_OF_HEAD = (b"\r\n\r\n", b"\n\n")

Deliver = Callable[[socket.socket, tuple, bytes], None]


@dataclass
class _Waiting:
    address: tuple
    deadline: float
    head: bytearray = field(default_factory=bytearray)


class HeadReader:
    """Reads heads in one thread; `deliver(socket, address, head)` gets each complete one."""

    def __init__(self, deliver: Deliver, timeout: float, max_waiting: int = MAX_WAITING):
        self.deliver, self.timeout, self.max_waiting = deliver, timeout, max_waiting
        self.selector = selectors.DefaultSelector()
        self.waiting: dict[socket.socket, _Waiting] = {}  # in order of arrival
        self.arrived: list[tuple[socket.socket, tuple]] = []
        self.lock = threading.Lock()
        self.wake_reader, self.waker = socket.socketpair()
        self.wake_reader.setblocking(False)
        self.selector.register(self.wake_reader, selectors.EVENT_READ)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="request heads", daemon=True)
        self.thread.start()

    def add(self, connection: socket.socket, address: tuple) -> None:
        with self.lock:
            self.arrived.append((connection, address))
        self._wake()

    def stop(self) -> None:
        self.stopping = True
        self._wake()
        self.thread.join(10)
        for connection in list(self.waiting):
            self._close(connection)
        self.selector.close()
        self.wake_reader.close()
        self.waker.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer: it will wake anyway
            self.waker.send(b"\0")

    def _run(self) -> None:
        while not self.stopping:
            for key, _ in self.selector.select(self._until_next_deadline()):
                if key.fileobj is self.wake_reader:
                    self._take_arrivals()
                else:
                    self._read(key.fileobj)
            self._close_expired()

    def _until_next_deadline(self) -> float | None:
        if not self.waiting:
            return None
        first = next(iter(self.waiting.values()))  # the oldest has the nearest deadline
        return max(0.0, first.deadline - time.monotonic())

    def _take_arrivals(self) -> None:
        while True:
            try:
                if not self.wake_reader.recv(4096):
                    break
            except BlockingIOError:
                break
        with self.lock:
            arrived, self.arrived = self.arrived, []
        for connection, address in arrived:
            if len(self.waiting) >= self.max_waiting:
                self._close(next(iter(self.waiting)), "too many waiting")
            connection.setblocking(False)
            self.waiting[connection] = _Waiting(address, time.monotonic() + self.timeout)
            self.selector.register(connection, selectors.EVENT_READ)

    def _read(self, connection: socket.socket) -> None:
        waiting = self.waiting[connection]
        try:
            data = connection.recv(8192)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            return self._close(connection)
        waiting.head += data
        if any(end in waiting.head for end in END_OF_HEAD):
            self.selector.unregister(connection)
            del self.waiting[connection]
            connection.setblocking(True)
            try:
                self.deliver(connection, waiting.address, bytes(waiting.head))
            except Exception:  # this thread must go on reading the others
                logger.exception("could not serve %s", waiting.address)
                connection.close()
        elif len(waiting.head) > HEAD_LIMIT:
            self._close(connection, "request headers too large")

    def _close_expired(self) -> None:
        now = time.monotonic()
        for connection, waiting in list(self.waiting.items()):
            if waiting.deadline > now:
                break  # the rest arrived later
            self._close(connection, "the request was not sent in time")

    def _close(self, connection: socket.socket, why: str = "") -> None:
        waiting = self.waiting.pop(connection, None)
        if why and waiting is not None:
            logger.info("closing %s: %s", waiting.address, why)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(connection)
        with contextlib.suppress(OSError):
            connection.close()
