"""Dead servers on 127.0.0.1 that show whether their clients came all at once.

Each listening port takes connections and answers nothing, as a server that hangs, until every port holds one:
then all are dropped together and each client fails at once. Clients that come one after another never fill the
gate: each waits out its own timeout and hangs up, and `most_at_once` stays below the number of ports.
"""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType


class Gate:
    def __init__(self, ports: int) -> None:
        self._listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(ports)]
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.most_at_once = 0  # ports holding a connection at the same time, at most
        self.opened = 0  # connections taken in all

    @property
    def ports(self) -> list[int]:
        return [int(s.getsockname()[1]) for s in self._listeners]

    def __enter__(self) -> Gate:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._wake_write.send(b"x")
        self._thread.join(timeout=10)
        for sock in (*self._listeners, self._wake_read, self._wake_write):
            sock.close()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            for index, listener in enumerate(self._listeners):
                listener.setblocking(False)
                selector.register(listener, selectors.EVENT_READ, index)
            selector.register(self._wake_read, selectors.EVENT_READ, None)
            held: dict[socket.socket, int] = {}  # connection -> the port's index
            while True:
                for key, _ in selector.select():
                    if key.data is None:  # the test is over
                        for conn in held:
                            conn.close()
                        return
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock in self._listeners:
                        conn, _ = sock.accept()
                        self.opened += 1
                        held[conn] = key.data
                        selector.register(conn, selectors.EVENT_READ, key.data)
                        self.most_at_once = max(self.most_at_once, len(set(held.values())))
                        if len(set(held.values())) == len(self._listeners):  # full: everyone fails now
                            for gone in list(held):
                                selector.unregister(gone)
                                gone.close()
                            held.clear()
                        continue
                    try:
                        data = sock.recv(65536)  # a request, read and never answered
                    except OSError:
                        data = b""
                    if not data:  # the client gave up
                        selector.unregister(sock)
                        sock.close()
                        del held[sock]
