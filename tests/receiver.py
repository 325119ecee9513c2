"""A real HTTP receiver of webhooks on 127.0.0.1, in a thread: it records what it is sent and
answers what the test tells it to."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    status: int = 204
    delay: float = 0.0
    location: str | None = None
    # Answer `status` to this many requests, then 503.
    fail_after: int | None = None
    # HTTP/1.1 keep-alive, and whether to close a kept connection after each answer without
    # saying so (as a receiver's idle timeout does).
    keep_alive: bool = False
    close_silently: bool = False
    # Seconds between the bytes of the answer's body.
    drip: float = 0.0
    received: list[Received] = field(default_factory=list)
    peers: list[int] = field(default_factory=list)
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if owner.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    owner.started += 1
                    owner.peers.append(self.client_address[1])
                    failing = owner.fail_after is not None and owner.started > owner.fail_after
                if owner.delay:
                    time.sleep(owner.delay)
                status = 503 if failing else owner.status
                with owner.lock:
                    if 200 <= status < 300:
                        owner.received.append(Received(dict(self.headers.items()), body))
                self.send_response(status)
                if owner.location:
                    self.send_header("Location", owner.location)
                # A 204 has no body. Short enough for the sender to read whole when the
                # connection is to be kept; long enough to be cut to an excerpt when it is not.
                reply = b"" if status == 204 else b"ok " * (10 if owner.keep_alive else 1000)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if owner.drip:
                    for byte in reply:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(owner.drip)
                else:
                    self.wfile.write(reply)
                if owner.close_silently:
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r.body for r in self.received]
