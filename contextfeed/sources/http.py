"""Fetching a source's document: one shared httpx client, conditional GET, a bounded body, polite retries.

A fetch never raises for network trouble: it returns a FetchOutcome whose
`error` says, in a few words, what went wrong. A failed fetch is not a
withdrawal of the source's alerts; the caller keeps them as they were.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime

import httpcore
import httpx

log = logging.getLogger(__name__)

#: Statuses worth another try: request timeout, rate limiting, and every 5xx.
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how far we fetch; NWS refuses requests without a descriptive User-Agent."""

    user_agent: str = "contextfeed/0.1 (emergency context for call centres; set a contact in the config)"
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_redirects: int = 5
    max_body_bytes: int = 50 * 1024 * 1024
    max_attempts: int = 4
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 60.0
    retry_after_cap_s: float = 300.0
    # One attempt as a whole, headers and body: a server trickling a byte every 2 s never trips the read
    # timeout, and kept `crawl --once` busy for ever (issue 20).
    total_timeout_s: float = 120.0
    # Networks beyond the public internet that may be fetched from (CIDRs, e.g. "10.1.0.0/16").
    # Empty: loopback, private, link-local and other non-global addresses are refused, so a CAP
    # index cannot make us fetch 127.0.0.1 or a cloud metadata service (SSRF).
    allow_networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchOutcome:
    """What one fetch gave: a body, "not modified", or a short human error (never an exception)."""

    status: int | None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True when there is something new to parse."""
        return self.error is None and self.body is not None


class BodyTooLarge(Exception):
    """The response is larger than the configured limit; it was not read to the end."""


class AddressRefused(Exception):
    """The host resolves only to addresses we may not fetch from (loopback, private, link-local ...)."""


class DeadlinePassed(Exception):
    """The fetch's overall deadline passed before the response was complete."""


#: The monotonic instant the current fetch must be done by; every socket read and write is bounded by it.
_deadline: ContextVar[float | None] = ContextVar("fetch_deadline", default=None)


def _time_left(timeout: float | None) -> float | None:
    """The socket timeout to use now: the phase's own, cut to what is left of the fetch's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed
    return left if timeout is None else min(timeout, left)


class GuardedStream(httpcore.NetworkStream):
    """A connection whose every read and write is bounded by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self.stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return GuardedStream(self.stream.start_tls(ssl_context, server_hostname, _time_left(timeout)))

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses we may fetch from, and bounds every connection by the fetch's deadline.

    The host is resolved here and the connection made to the address that was checked, so a DNS
    answer cannot change between the check and the connect (rebinding). Redirects go through the
    same check, hop by hop.
    """

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.backend = httpcore.SyncBackend()
        self.allowed = [ipaddress.ip_network(network, strict=False) for network in allow_networks]

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        address = self.permitted_address(host, port)
        stream = self.backend.connect_tcp(
            address, port, timeout=_time_left(timeout), local_address=local_address, socket_options=socket_options
        )
        return GuardedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable | None = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused("fetching over a Unix socket is refused")

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)

    def permitted_address(self, host: str, port: int) -> str:
        """The first address of `host` that is public or allow-listed; AddressRefused if there is none."""
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc.strerror or exc})") from None
        refused = []
        for *_, sockaddr in found:
            address = ipaddress.ip_address(sockaddr[0])
            address = getattr(address, "ipv4_mapped", None) or address
            if address.is_global or any(address in network for network in self.allowed):
                return str(address)
            refused.append(str(address))
        raise AddressRefused(
            f"refused to fetch from {host}: {', '.join(dict.fromkeys(refused))} is not a public "
            f"address (fetch.allow_networks can allow it)"
        )


def build_client(
    settings: FetchSettings = FetchSettings(), *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The one httpx client the crawler shares: User-Agent, timeouts, redirect bound and address guard from `settings`."""
    if transport is None:
        transport = httpx.HTTPTransport()
        # httpx takes no network backend; its pool is rebuilt with ours, as HTTPTransport builds it unproxied.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend(settings.allow_networks)
        )
    return httpx.Client(
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        transport=transport,
        # A proxy from the environment would be connected to without the guard.
        trust_env=False,
    )


class Fetcher:
    """Fetches documents through a shared client; sleep and randomness are injected so tests never wait."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        settings: FetchSettings = FetchSettings(),
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._settings = settings
        self._sleep = sleep
        self._jitter = jitter

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchOutcome:
        """GET `url`, conditionally when validators from the last fetch are given, retrying transient failures."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            outcome, retry_in = self._attempt(url, headers, attempt)
            if outcome.not_modified:
                outcome = replace(
                    outcome, etag=outcome.etag or etag, last_modified=outcome.last_modified or last_modified
                )
            if retry_in is None or attempt >= self._settings.max_attempts:
                if outcome.error and attempt > 1:
                    outcome = replace(outcome, error=f"{outcome.error} (after {attempt} attempts)")
                return replace(outcome, attempts=attempt)
            log.info("fetching %s: %s; retrying in %.1f s", url, outcome.error, retry_in)
            self._sleep(retry_in)

    def _attempt(self, url: str, headers: dict[str, str], attempt: int) -> tuple[FetchOutcome, float | None]:
        """One request: its outcome, and how long to wait before another try (None: do not retry).

        The attempt as a whole must end within total_timeout_s; one that does not is not retried,
        since a server that trickles will trickle again.
        """
        status: int | None = None
        deadline = time.monotonic() + self._settings.total_timeout_s
        token = _deadline.set(deadline)
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == httpx.codes.NOT_MODIFIED:
                    return self._validators(response, FetchOutcome(status=status, not_modified=True)), None
                if status >= 400:
                    error = FetchOutcome(status=status, error=f"HTTP {status} {response.reason_phrase}".strip())
                    retryable = status in RETRYABLE_STATUSES or status >= 500
                    return error, self._retry_delay(response, attempt) if retryable else None
                body = self._read_body(response)
                return self._validators(response, FetchOutcome(status=status, body=body)), None
        except (BodyTooLarge, AddressRefused) as exc:
            return FetchOutcome(status=status, error=str(exc)), None
        except DeadlinePassed:
            return FetchOutcome(status=status, error=self._deadline_message()), None
        except httpx.TimeoutException as exc:
            if deadline <= time.monotonic():
                return FetchOutcome(status=status, error=self._deadline_message()), None
            return FetchOutcome(status=status, error=_timeout_message(exc)), self._backoff(attempt)
        except (httpx.UnsupportedProtocol, httpx.TooManyRedirects, httpx.DecodingError) as exc:
            return FetchOutcome(status=status, error=f"{type(exc).__name__}: {exc}"), None
        except httpx.TransportError as exc:
            return FetchOutcome(status=status, error=f"connection failed ({exc or type(exc).__name__})"), self._backoff(
                attempt
            )
        except (httpx.InvalidURL, httpx.HTTPError) as exc:
            return FetchOutcome(status=status, error=f"{type(exc).__name__}: {exc}"), None
        finally:
            _deadline.reset(token)

    def _deadline_message(self) -> str:
        """The error of a fetch that ran out of time."""
        return f"no complete response within {self._settings.total_timeout_s:g} s; gave up"

    def _read_body(self, response: httpx.Response) -> bytes:
        """The body, streamed and refused as soon as it passes the limit (before reading it, if it says so)."""
        limit = self._settings.max_body_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(f"response of {int(declared):,} bytes refused (limit {limit:,})")
        chunks, size = [], 0
        # iter_bytes yields decoded bytes, so a gzip bomb is bounded by the same limit.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"response passed the {limit:,} byte limit; refused")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _validators(response: httpx.Response, outcome: FetchOutcome) -> FetchOutcome:
        """The outcome with the response's ETag and Last-Modified, to send back next time."""
        return replace(outcome, etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        """Seconds before retrying a 429/5xx: its Retry-After (capped) when it has one, else backoff."""
        delay = retry_after_seconds(
            response.headers.get("Retry-After", ""), date_header=response.headers.get("Date", "")
        )
        if delay is None:
            return self._backoff(attempt)
        return min(delay, self._settings.retry_after_cap_s)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": between half and all of base * 2^(attempt-1), capped."""
        ceiling = min(self._settings.backoff_cap_s, self._settings.backoff_base_s * 2 ** (attempt - 1))
        return ceiling / 2 + self._jitter() * ceiling / 2


def retry_after_seconds(value: str, *, date_header: str = "") -> float | None:
    """Seconds a Retry-After header asks us to wait (RFC 9110 §10.2.3: delay-seconds or an HTTP date), or None.

    An HTTP date is measured against the response's own Date header, so
    neither a clock nor clock skew between us and the server is involved.
    """
    value = value.strip()
    if value.isdigit():
        return float(value)
    if not value or not date_header:
        return None
    try:
        return max(0.0, (parsedate_to_datetime(value) - parsedate_to_datetime(date_header)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def _timeout_message(exc: httpx.TimeoutException) -> str:
    """A few words for which timeout struck."""
    phases = {
        httpx.ConnectTimeout: "connecting",
        httpx.ReadTimeout: "reading the response",
        httpx.WriteTimeout: "sending the request",
        httpx.PoolTimeout: "waiting for a free connection",
    }
    return f"timed out {phases.get(type(exc), 'waiting')}"
