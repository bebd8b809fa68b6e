"""The event stream (TelemetryService.WatchEvents) as an iterator that survives restarts."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Union

import grpc

from .errors import MaxpoolError
from .v1 import telemetry_pb2

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = ["EventStream", "Gap"]

# Codes after which the stream is opened again: the server went away or ended the stream (a
# restart, a drain, a network break), or was busy. Others (UNAUTHENTICATED, INVALID_ARGUMENT,
# ...) are raised.
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.CANCELLED,  # by the server: we stop on our own cancel() before this
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,  # an HTTP/2 stream reset
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,  # control.maxWatchStreams reached, for now
    }
)


@dataclass(frozen=True)
class Gap:
    """Events were missed at this point of the stream.

    Attributes:
        reason: ``Gap.SLOW_CONSUMER`` (the server's ``EventGap``: this reader fell behind and its
            queue overflowed), ``Gap.RECONNECTED`` (the stream broke and was opened again on the
            same server) or ``Gap.SERVER_RESTARTED`` (it was opened again on a new server
            process, whose events start over).
        dropped: how many events were missed, or None when that cannot be known (a restart; a
            break before any event was seen; a break on a filtered watch, where sequence numbers
            jump anyway).
        error: for RECONNECTED and SERVER_RESTARTED, the error that broke the stream.
        first_sequence, last_sequence: for RECONNECTED, the sequence numbers that were not seen
            (on a filtered watch, only some of them were events this watch would have got).
    """

    SLOW_CONSUMER = "slow_consumer"
    RECONNECTED = "reconnected"
    SERVER_RESTARTED = "server_restarted"

    reason: str
    dropped: Optional[int] = None
    error: Optional[MaxpoolError] = None
    first_sequence: Optional[int] = None
    last_sequence: Optional[int] = None

    def __str__(self) -> str:
        count = "an unknown number of" if self.dropped is None else str(self.dropped)
        if self.reason == Gap.SLOW_CONSUMER:
            return f"{count} events dropped (this watch fell behind)"
        cause = f": {self.error.code.name}: {self.error.details}" if self.error else ""
        if self.reason == Gap.SERVER_RESTARTED:
            return f"{count} events missed (the server restarted{cause})"
        return f"{count} events missed (the stream broke{cause}; reconnected)"


Item = Union[telemetry_pb2.Event, Gap]


class EventStream(Iterator[Item]):
    """Iterates the events of a maxpool server, with gaps marked. Made by ``Client.events``.

    Each item is a ``maxpool_client.v1.telemetry_pb2.Event`` or a ``Gap``. When the stream breaks
    (UNAVAILABLE, a server restart or drain, a network break), and ``reconnect`` is on, it waits
    (exponential backoff with jitter, from ``initial_backoff`` up to ``max_backoff`` seconds),
    opens the stream again and carries on; the break shows up as one ``Gap``: at once when the
    server turns out to have restarted, else just before the first event after the break, with
    the number of events missed counted from ``Event.sequence`` (exact on an unfiltered watch).

    Errors that retrying cannot fix (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT) are
    raised as ``MaxpoolError``, and so is any error of the first contact (a ``GetStatus`` made
    when the stream is created, so a wrong address or token fails at once). With
    ``give_up_after`` set, a break that lasts longer than that many seconds is raised too.

    ``cancel()`` (safe from another thread or a signal handler) ends the iteration; so does leaving
    a ``with`` block.
    """

    def __init__(
        self,
        client: "Client",
        request: telemetry_pb2.WatchEventsRequest,
        *,
        reconnect: bool = True,
        initial_backoff: float = 0.5,
        max_backoff: float = 10.0,
        give_up_after: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._request = request
        self._reconnect = reconnect
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._give_up_after = give_up_after
        self._clock = clock
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._call: Optional[grpc.Future] = None
        self._filtered = bool(request.kinds) or bool(request.accounts)
        self._last_sequence: Optional[int] = None
        # The first contact is made now: a wrong address or token raises here rather than turn
        # into a retry loop. Its start time tells a later reconnection whether the server restarted.
        self._start_time = client.status().start_time
        self._gen = self._run()

    @property
    def last_sequence(self) -> Optional[int]:
        """The sequence number of the last event returned, or None before the first."""
        return self._last_sequence

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Item:
        return next(self._gen)

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Ends the stream: the iteration stops (a blocked ``next()`` returns StopIteration)."""
        self._cancelled.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    close = cancel

    # --- internals -------------------------------------------------------------------------

    def _open(self):  # type: ignore[no-untyped-def]
        call = self._client.telemetry.WatchEvents(self._request)
        with self._lock:
            self._call = call
        if self._cancelled.is_set():
            call.cancel()
        return call

    def _backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1, 2, ...): doubling, capped, +-20 %."""
        delay = min(self._max_backoff, self._initial_backoff * (2 ** min(attempt - 1, 30)))
        return delay * random.uniform(0.8, 1.2)

    def _run(self) -> Iterator[Item]:
        target = self._client.target
        start_time = self._start_time
        broke: Optional[MaxpoolError] = None  # a break not reported yet
        broke_after: Optional[int] = None  # last sequence seen before it
        broke_since: Optional[float] = None
        attempt = 0
        first = True
        while not self._cancelled.is_set():
            if not first:
                # Reconnecting: is the server back, and is it the same process?
                try:
                    status = self._client.status()
                except MaxpoolError as error:
                    if error.code not in RETRYABLE_CODES:
                        raise
                    self._check_give_up(broke_since, error)
                    attempt += 1
                    self._cancelled.wait(self._backoff(attempt))
                    continue
                broke_since = None  # reachable again: a later break is timed afresh
                if status.start_time != start_time:
                    start_time = status.start_time
                    if broke is not None:
                        yield Gap(Gap.SERVER_RESTARTED, None, broke)
                        broke, broke_after = None, None
                    self._last_sequence = None
            first = False
            call = self._open()
            error: Optional[MaxpoolError]
            try:
                for response in call:
                    attempt = 0
                    broke_since = None
                    if response.HasField("gap"):
                        if broke is not None:
                            yield Gap(Gap.RECONNECTED, None, broke)
                            broke, broke_after = None, None
                        yield Gap(Gap.SLOW_CONSUMER, int(response.gap.dropped))
                        continue
                    event = response.event
                    if broke is not None:
                        yield self._break_gap(broke, broke_after, event.sequence)
                        broke, broke_after = None, None
                    self._last_sequence = event.sequence
                    yield event
                error = MaxpoolError(
                    target, grpc.StatusCode.UNAVAILABLE, "the server ended the event stream"
                )
            except grpc.RpcError as rpc_error:
                if self._cancelled.is_set():
                    return
                error = MaxpoolError.from_rpc_error(
                    target, rpc_error, token_sent=self._client.has_token
                )
                if error.code not in RETRYABLE_CODES:
                    raise error from None
            finally:
                with self._lock:
                    self._call = None
                call.cancel()
            if self._cancelled.is_set():
                return
            if not self._reconnect:
                raise error
            if broke is None:
                broke, broke_after = error, self._last_sequence
            if broke_since is None:
                broke_since = self._clock()
            self._check_give_up(broke_since, error)
            attempt += 1
            self._cancelled.wait(self._backoff(attempt))

    def _break_gap(self, error: MaxpoolError, after: Optional[int], sequence: int) -> Gap:
        """The gap for a break on the same server, once the first event after it is known."""
        if after is None or sequence <= after:
            return Gap(Gap.RECONNECTED, None, error)
        first, last = after + 1, sequence - 1
        if last < first:  # nothing happened during the break
            return Gap(Gap.RECONNECTED, 0, error)
        dropped = None if self._filtered else last - first + 1
        return Gap(Gap.RECONNECTED, dropped, error, first, last)

    def _check_give_up(self, since: Optional[float], error: MaxpoolError) -> None:
        if self._give_up_after is None or since is None:
            return
        if self._clock() - since >= self._give_up_after:
            raise error
