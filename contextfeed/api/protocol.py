"""The HTTP/1.1 connection as `contextfeed serve` runs it: uvicorn's httptools protocol, with bounds on request heads.

uvicorn times out idle keep-alive connections but not a client that sends its request line
and headers a byte at a time: each such connection stays open for ever (slowloris). A head
must now be complete within HEAD_TIMEOUT_S of its first byte (or of the connection opening);
the connection is closed otherwise. httptools, unlike h11, sets no bound on a head's size
either: one over MAX_HEAD_BYTES is answered 431 and the connection closed. Bodies have their
own deadline (api.errors.BodyLimit).

httptools parses in C where h11 parses in Python: on these two cores, a single check's
share of the request's work halves.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT_S = 10.0
MAX_HEAD_BYTES = 16 * 1024
HEAD_TOO_LARGE_TEXT = b"request head over %d KiB" % (MAX_HEAD_BYTES // 1024)
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%b" % (len(HEAD_TOO_LARGE_TEXT), HEAD_TOO_LARGE_TEXT)
)


class HeadDeadlineProtocol(HttpToolsProtocol):
    """httptools as uvicorn runs it, closing connections whose head is late or too large."""

    head_timer: asyncio.TimerHandle | None = None
    # Bytes read of the head under way (None: no head under way). The read its first byte came in
    # is not counted, so a head is cut off at most one read (about 256 KiB) past the bound.
    head_bytes: int | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._begin_head()

    def data_received(self, data: bytes) -> None:
        if self.head_bytes is not None:
            self.head_bytes += len(data)
        super().data_received(data)
        if self.head_bytes is not None and self.head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.head_timer is None:
            self._begin_head()  # the first bytes of the next request on a kept-alive connection

    def on_headers_complete(self) -> None:
        self._end_head()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        super().connection_lost(exc)

    def _begin_head(self) -> None:
        self.head_bytes = 0
        self.head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_timed_out)

    def _end_head(self) -> None:
        self.head_bytes = None
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
