"""Hostile HTTP servers on loopback addresses, for crawls that must refuse or give up on them."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import REPO


class Server:
    """Serves fixed bodies by path on `host`; `trickle` paths send their body one byte every 2 s."""

    def __init__(
        self, documents: dict[str, bytes], *, host: str = "127.0.0.1", trickle: frozenset[str] = frozenset()
    ) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = documents.get(self.path, b"")
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path not in trickle:
                    self.wfile.write(body)
                    return
                for byte in body:
                    if stopping.is_set():
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    stopping.wait(2)

            def log_message(self, *args) -> None:
                pass

        stopping = threading.Event()
        self.stopping = stopping
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving, trickles included."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def crawl_config(
    path: Path, sources: str, *, allow: tuple[str, ...] = ("127.0.0.1/32",), total_timeout_s: float = 120
) -> Path:
    """The repository's config with only `sources` (TOML [[sources]] tables), these allowed networks and deadline."""
    text = (REPO / "config" / "contextfeed.toml").read_text()
    base, rest = text.split("# ---------------------------------------------------------------- sources")
    policy = rest.split("# ---------------------------------------------------------------- policy")[1]
    networks = ", ".join(f'"{network}"' for network in allow)
    base = (
        base.replace("attempts = 4", "attempts = 1")
        .replace("allow_networks = []", f"allow_networks = [{networks}]")
        .replace("total_timeout_seconds = 120", f"total_timeout_seconds = {total_timeout_s}")
    )
    path.write_text(base + sources + "\n# policy" + policy)
    return path


def elapsed(function, *args):
    """(result, seconds) of calling function(*args)."""
    started = time.monotonic()
    return function(*args), time.monotonic() - started
