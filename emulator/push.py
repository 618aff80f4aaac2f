"""Gmail push notifications, delivered like a Pub/Sub push subscription.

After ``users.watch``, every message added to that mailbox (control API delivery, ``send``, a
local recipient's copy) produces a POST to the configured push URL with a Pub/Sub push body and
an ``Authorization: Bearer`` OIDC-style JWT signed by the emulator's RSA key. The key's X.509
certificate is served at ``/_emulator/oauth2/v1/certs`` in Google's v1 format ``{kid: PEM}``, so
``google.oauth2.id_token.verify_token(token, request, audience=..., certs_url=...)`` verifies it.

The same signer issues the ``id_token`` of the emulated OAuth code flow.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt

from .state import Config, Message, State, User, rfc3339

log = logging.getLogger("emulator.push")
KEY_FILE = "emulator_signing_key.pem"


class Signer:
    """RS256 signer with a self-signed certificate; the key persists next to the snapshot if any."""

    def __init__(self, key_dir: str | None = None) -> None:
        pem = None
        path = os.path.join(key_dir, KEY_FILE) if key_dir else None
        if path and os.path.exists(path):
            with open(path, "rb") as fh:
                pem = fh.read()
        if pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            if path:
                os.makedirs(key_dir, exist_ok=True)  # type: ignore[arg-type]
                with open(path, "wb") as fh:
                    fh.write(pem)
                os.chmod(path, 0o600)
        self._key = serialization.load_pem_private_key(pem, password=None)
        public_der = self._key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = hashlib.sha1(public_der).hexdigest()
        self.cert_pem = self._certificate().decode("ascii")
        self._signer = crypt.RSASigner.from_string(pem, key_id=self.kid)

    def _certificate(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emulator.local")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(int(self.kid[:16], 16))
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(self._key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)

    def certs(self) -> dict[str, str]:
        """Google v1 certs document: ``{kid: PEM certificate}``."""
        return {self.kid: self.cert_pem}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact RS256 JWT with ``kid`` in the header."""
        return google_jwt.encode(self._signer, claims).decode("ascii")

    def oidc_token(self, *, audience: str, email: str, sub: str | None = None, extra: dict[str, Any] | None = None
                   ) -> str:
        """Claims shaped like Google's OIDC tokens (iss accounts.google.com, 1 h lifetime, real time)."""
        now = int(time.time())
        claims = {"aud": audience, "azp": sub or email, "email": email, "email_verified": True,
                  "exp": now + 3600, "iat": now, "iss": "https://accounts.google.com",
                  "sub": sub or str(int(hashlib.sha1(email.encode()).hexdigest()[:15], 16))}
        if extra:
            claims.update(extra)
        return self.sign(claims)


class PushService:
    """Queues notifications from state listeners and POSTs them from one background worker."""

    def __init__(self, state: State, config: Config, signer: Signer) -> None:
        self.state = state
        self.config = config
        self.signer = signer
        self.url = config.push_url
        self.audience = config.push_audience
        self.log: deque[dict[str, Any]] = deque(maxlen=200)
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._seq = 0
        self._pending = 0  # queued or in flight
        state.message_listeners.append(self.on_message_added)

    def configure(self, url: str | None, audience: str | None) -> None:
        """Change the push endpoint at runtime (control API)."""
        self.url = url
        self.audience = audience

    def on_message_added(self, user: User, msg: Message) -> None:
        """State listener (called under the state lock): enqueue, never block."""
        watch = user.mailbox.watch
        if not watch or not self.url:
            return
        if watch["expiration"] < self.state.clock.now_ms():
            return
        wanted = set(watch.get("labelIds") or [])
        if wanted:
            hit = not wanted.isdisjoint(msg.labels)
            if (watch.get("labelFilterBehavior") == "exclude") == hit:
                return
        self._seq += 1
        self._pending += 1
        self._queue.put({"email": user.email, "historyId": user.mailbox.history_id, "topic": watch["topicName"],
                         "messageId": str(10**15 + self._seq)})
        self._ensure_worker()

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="emulator-push", daemon=True)
            self._worker.start()

    def body(self, item: dict[str, Any]) -> dict[str, Any]:
        """The Pub/Sub push request body for one notification."""
        data = json.dumps({"emailAddress": item["email"], "historyId": item["historyId"]}).encode()
        # Pub/Sub sends standard base64; it decodes with both b64decode and urlsafe_b64decode.
        encoded = base64.b64encode(data).decode("ascii")
        now = rfc3339(dt.datetime.now(dt.timezone.utc))
        project = item["topic"].split("/")[1] if item["topic"].count("/") >= 3 else "emulator"
        return {
            "message": {"data": encoded, "messageId": item["messageId"], "message_id": item["messageId"],
                        "publishTime": now, "publish_time": now},
            "subscription": f"projects/{project}/subscriptions/gmail-push",
        }

    def _run(self) -> None:
        import requests  # imported lazily: only needed once a watch is active

        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._deliver(item, requests)
            finally:
                self._pending -= 1

    def _deliver(self, item: dict[str, Any], requests: Any) -> None:
        url = self.url
        if not url:
            return
        body = self.body(item)
        token = self.signer.oidc_token(audience=self.audience or url, email=self.config.push_service_account)
        entry: dict[str, Any] = {"url": url, "email": item["email"], "historyId": item["historyId"],
                                 "time": rfc3339(dt.datetime.now(dt.timezone.utc))}
        try:
            resp = requests.post(url, json=body, timeout=self.config.push_timeout,
                                 headers={"Authorization": f"Bearer {token}", "User-Agent": "APIs-Google"})
            entry["status"] = resp.status_code
            if resp.status_code >= 300:
                log.warning("push to %s answered %s", url, resp.status_code)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is logged, never raised
            entry["error"] = repr(exc)
            log.warning("push to %s failed: %r", url, exc)
        self.log.append(entry)

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every queued push was attempted (tests and the control API use it)."""
        deadline = time.time() + timeout
        while self._pending > 0:
            if time.time() > deadline:
                return False
            time.sleep(0.01)
        return True
