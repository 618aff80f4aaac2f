"""A minimal blocking WebSocket client on wsproto, for tests.

simple_websocket's Client drops a message that arrives in the same TCP read as the handshake response (our
server greets at once), roughly one connection in six here; this client hands wsproto every byte it reads.
"""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, RejectConnection, Request, TextMessage


class Rejected(ConnectionError):
    """The server answered the handshake with an HTTP status instead of switching protocols."""

    def __init__(self, status: int) -> None:
        super().__init__(f"handshake refused with {status}")
        self.status = status


class WsClient:
    """Connects on construction; `send(text)`, `receive(timeout) -> str | None`, `close()`.

    `headers` are sent with the handshake (e.g. Origin, Cookie). A refused handshake raises
    `Rejected(status)`; after the server closes the socket, `close_code` says why (e.g. 1009, too big).
    """

    def __init__(self, url: str, timeout: float = 10.0, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self._sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._pending: list[str] = []
        self._buffer = ""
        self.close_code: int | None = None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        self._sock.sendall(self._ws.send(Request(host=parts.netloc, target=target, extra_headers=extra)))
        while not self._handle(self._read(timeout), accept=True):
            pass

    def _read(self, timeout: float) -> bytes:
        self._sock.settimeout(timeout)
        data = self._sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        return data

    def _handle(self, data: bytes, accept: bool = False) -> bool:
        self._ws.receive_data(data)
        accepted = False
        for event in self._ws.events():
            if isinstance(event, AcceptConnection):
                accepted = True
            elif isinstance(event, TextMessage):
                self._buffer += event.data
                if event.message_finished:
                    self._pending.append(self._buffer)
                    self._buffer = ""
            elif isinstance(event, RejectConnection):
                raise Rejected(event.status_code)
            elif isinstance(event, CloseConnection):
                self.close_code = event.code
                raise ConnectionError("server closed the WebSocket")
        return accepted if accept else bool(self._pending)

    def send(self, text: str) -> None:
        self._sock.sendall(self._ws.send(Message(data=text)))

    def receive(self, timeout: float = 10.0) -> str | None:
        """The next text message, or None when none arrives within `timeout` seconds."""
        try:
            while not self._pending:
                self._handle(self._read(timeout))
        except socket.timeout:
            return None
        return self._pending.pop(0)

    def close(self) -> None:
        try:
            self._sock.sendall(self._ws.send(CloseConnection(code=1000)))
        except (OSError, Exception):  # closing a dead socket is fine
            pass
        self._sock.close()
