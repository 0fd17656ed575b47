"""The HTTP/1.1 connection as `contextfeed serve` runs it: uvicorn's h11 protocol with a deadline on request heads.

uvicorn times out idle keep-alive connections but not a client that sends its request line
and headers a byte at a time: each such connection stays open for ever (slowloris). A head
must now be complete within HEAD_TIMEOUT_S of its first byte (or of the connection opening);
the connection is closed otherwise. Bodies have their own deadline (api.errors.BodyLimit).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_TIMEOUT_S = 10.0
#: uvicorn's own bound on a request head (h11_max_incomplete_event_size), stated here so it is one decision.
MAX_HEAD_BYTES = 16 * 1024


class HeadDeadlineProtocol(H11Protocol):
    """h11 as uvicorn runs it, closing connections whose request head does not arrive within HEAD_TIMEOUT_S."""

    head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.head_timer is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self.head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_timed_out)

    def _disarm(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()
