"""Fetching a source's document: one shared httpx client, conditional GET, a bounded body, polite retries.

A fetch never raises for network trouble: it returns a FetchOutcome whose
`error` says, in a few words, what went wrong. A failed fetch is not a
withdrawal of the source's alerts; the caller keeps them as they were.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime

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


def build_client(settings: FetchSettings = FetchSettings(), *, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The one httpx client the crawler shares: User-Agent, timeouts and redirect bound from `settings`."""
    return httpx.Client(
        headers={"User-Agent": settings.user_agent},
        timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        transport=transport,
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
                outcome = replace(outcome, etag=outcome.etag or etag, last_modified=outcome.last_modified or last_modified)
            if retry_in is None or attempt >= self._settings.max_attempts:
                if outcome.error and attempt > 1:
                    outcome = replace(outcome, error=f"{outcome.error} (after {attempt} attempts)")
                return replace(outcome, attempts=attempt)
            log.info("fetching %s: %s; retrying in %.1f s", url, outcome.error, retry_in)
            self._sleep(retry_in)

    def _attempt(self, url: str, headers: dict[str, str], attempt: int) -> tuple[FetchOutcome, float | None]:
        """One request: its outcome, and how long to wait before another try (None: do not retry)."""
        status: int | None = None
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
        except BodyTooLarge as exc:
            return FetchOutcome(status=status, error=str(exc)), None
        except httpx.TimeoutException as exc:
            return FetchOutcome(status=status, error=_timeout_message(exc)), self._backoff(attempt)
        except (httpx.UnsupportedProtocol, httpx.TooManyRedirects, httpx.DecodingError) as exc:
            return FetchOutcome(status=status, error=f"{type(exc).__name__}: {exc}"), None
        except httpx.TransportError as exc:
            return FetchOutcome(status=status, error=f"connection failed ({exc or type(exc).__name__})"), self._backoff(attempt)
        except (httpx.InvalidURL, httpx.HTTPError) as exc:
            return FetchOutcome(status=status, error=f"{type(exc).__name__}: {exc}"), None

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
        delay = retry_after_seconds(response.headers.get("Retry-After", ""), date_header=response.headers.get("Date", ""))
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
