"""A TCP proxy between the browser and Rasa that a test can cut, to simulate a network drop.

``cut()`` resets every open connection and, until ``restore()``, resets new ones at once (the
browser sees a dead network, not a clean close). Only the widget's socket.io traffic goes
through it; the demo page and Rasa's HTTP API are reached directly.
"""

from __future__ import annotations

import socket
import struct
import threading

from tests.support.processes import free_port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target_host:target_port``, one thread pair per link."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._cut = threading.Event()
        self._closed = threading.Event()
        self.accepted = 0
        self.refused = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True).start()
        return self

    def cut(self) -> None:
        """Drops every connection now and refuses new ones until ``restore``."""
        self._cut.set()
        with self._lock:
            doomed = list(self._sockets)
            self._sockets.clear()
        for sock in doomed:
            _reset(sock)

    def restore(self) -> None:
        self._cut.clear()

    def stop(self) -> None:
        self._closed.set()
        self.cut()
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            self.accepted += 1
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._sockets.discard(sock)
                _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Kills a connection at once, even while another thread is blocked reading it.

    Linux does not release a socket that another thread is reading, so ``close`` alone would
    leave the link up; ``shutdown`` wakes the reader. A zero linger time turns the close into a
    reset instead of an orderly goodbye.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    for close in (lambda: sock.shutdown(socket.SHUT_RDWR), sock.close):
        try:
            close()
        except OSError:
            pass
