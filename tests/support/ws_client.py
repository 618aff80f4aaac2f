"""A minimal blocking WebSocket client on wsproto, for tests.

simple_websocket's Client drops a message that arrives in the same TCP read as the handshake response (our
server greets at once), roughly one connection in six here; this client hands wsproto every byte it reads.
"""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Request, TextMessage


class WsClient:
    """Connects on construction; `send(text)`, `receive(timeout) -> str | None`, `close()`."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self._sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._pending: list[str] = []
        self._buffer = ""
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._sock.sendall(self._ws.send(Request(host=parts.netloc, target=target)))
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
            elif isinstance(event, CloseConnection):
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
