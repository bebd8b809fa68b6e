#!/usr/bin/env python3
"""Offline checks of maxpool_client's EventStream against scripted streams (no server): the
paths a live pool does not easily produce (the server's EventGap, a filtered watch, giving up,
errors that are not retried). Prints "ok: ..." per case or "FAIL: case: what"; exit status 1 on
a failure. Run with PYTHONPATH=clients/python.
"""

import sys
from typing import Any, List, Optional

import grpc

from maxpool_client import Gap, MaxpoolError
from maxpool_client.events import EventStream
from maxpool_client.v1 import lifecycle_pb2, telemetry_pb2


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def event(sequence: int) -> telemetry_pb2.WatchEventsResponse:
    response = telemetry_pb2.WatchEventsResponse()
    response.event.sequence = sequence
    response.event.request_finished.status = 200
    return response


def gap(dropped: int) -> telemetry_pb2.WatchEventsResponse:
    response = telemetry_pb2.WatchEventsResponse()
    response.gap.dropped = dropped
    return response


class FakeCall:
    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self.cancelled = False

    def __iter__(self):  # type: ignore[no-untyped-def]
        for item in self.items:
            if isinstance(item, Exception):
                raise item
            if callable(item):
                item()  # a side effect, such as time passing
                continue
            yield item

    def cancel(self) -> None:
        self.cancelled = True


class FakeTelemetry:
    def __init__(self, streams: List[List[Any]]) -> None:
        self.streams = streams
        self.calls: List[FakeCall] = []

    def WatchEvents(self, request: Any) -> FakeCall:  # noqa: N802 - the stub's name
        if not self.streams:
            raise AssertionError("more streams opened than scripted")
        call = FakeCall(self.streams.pop(0))
        self.calls.append(call)
        return call


class FakeClient:
    """`status()` answers from a script of start times (an int) or MaxpoolErrors."""

    target = "fake:1"
    has_token = True

    def __init__(self, streams: List[List[Any]], statuses: List[Any]) -> None:
        self.telemetry = FakeTelemetry(streams)
        self.statuses = statuses

    def status(self) -> lifecycle_pb2.GetStatusResponse:
        item = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(item, Exception):
            raise item
        response = lifecycle_pb2.GetStatusResponse()
        response.start_time.seconds = item
        return response


UNAVAILABLE = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "Socket closed")
DOWN = MaxpoolError("fake:1", grpc.StatusCode.UNAVAILABLE, "connection refused")


def stream(client: FakeClient, kinds: Optional[List[int]] = None, **kw: Any) -> EventStream:
    request = telemetry_pb2.WatchEventsRequest(kinds=kinds or [])
    kw.setdefault("initial_backoff", 0.001)
    kw.setdefault("max_backoff", 0.002)
    return EventStream(client, request, **kw)  # type: ignore[arg-type]


def take(s: EventStream, n: int) -> List[Any]:
    return [next(s) for _ in range(n)]


def describe(items: List[Any]) -> List[Any]:
    return [(i.reason, i.dropped, i.first_sequence, i.last_sequence) if isinstance(i, Gap)
            else i.sequence for i in items]


def case_server_gap() -> None:
    client = FakeClient([[event(1), gap(7), event(9)]], [100])
    got = describe(take(stream(client), 3))
    assert got == [1, (Gap.SLOW_CONSUMER, 7, None, None), 9], got


def case_reconnect_counts() -> None:
    client = FakeClient([[event(1), event(2), UNAVAILABLE], [event(6), event(7)]],
                        [100, DOWN, DOWN, 100])
    s = stream(client)
    got = take(s, 4)
    assert describe(got) == [1, 2, (Gap.RECONNECTED, 3, 3, 5), 6], describe(got)
    assert got[2].error is not None and got[2].error.code == grpc.StatusCode.UNAVAILABLE
    assert client.telemetry.calls[0].cancelled, "the broken call was not cancelled"
    assert s.last_sequence == 6


def case_reconnect_nothing_missed() -> None:
    client = FakeClient([[event(4), UNAVAILABLE], [event(5)]], [100])
    got = describe(take(stream(client), 3))
    assert got == [4, (Gap.RECONNECTED, 0, None, None), 5], got


def case_filtered_reconnect() -> None:
    client = FakeClient([[event(1), UNAVAILABLE], [event(9)]], [100])
    kinds = [telemetry_pb2.EVENT_KIND_REQUEST_FINISHED]
    got = describe(take(stream(client, kinds), 3))
    assert got == [1, (Gap.RECONNECTED, None, 2, 8), 9], got


def case_restart() -> None:
    client = FakeClient([[event(50), UNAVAILABLE], [event(1)]], [100, DOWN, 200])
    got = describe(take(stream(client), 3))
    assert got == [50, (Gap.SERVER_RESTARTED, None, None, None), 1], got


def case_not_retried() -> None:
    denied = FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, "read-only token")
    client = FakeClient([[event(1), denied]], [100])
    s = stream(client)
    assert next(s).sequence == 1
    try:
        next(s)
        raise AssertionError("PERMISSION_DENIED was not raised")
    except MaxpoolError as error:
        assert error.code == grpc.StatusCode.PERMISSION_DENIED, error


def case_no_reconnect() -> None:
    client = FakeClient([[event(1), UNAVAILABLE]], [100])
    s = stream(client, reconnect=False)
    assert next(s).sequence == 1
    try:
        next(s)
        raise AssertionError("reconnect=False did not raise")
    except MaxpoolError as error:
        assert error.code == grpc.StatusCode.UNAVAILABLE and "Socket closed" in str(error), error


def case_give_up() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock: a second later
        return now[0]

    client = FakeClient([[event(1), UNAVAILABLE]], [100, DOWN])
    s = stream(client, give_up_after=5, clock=clock)
    assert next(s).sequence == 1
    try:
        next(s)
        raise AssertionError("give_up_after did not raise")
    except MaxpoolError as error:
        assert error.code == grpc.StatusCode.UNAVAILABLE, error


def case_give_up_times_each_break() -> None:
    # A stream that stays up for a long time (quiet: no event) and then breaks is a new break:
    # give_up_after counts from then, not from an earlier break.
    now = [0.0]

    def later() -> None:
        now[0] += 1000.0

    client = FakeClient([[event(1), UNAVAILABLE], [later, UNAVAILABLE], [event(4)]], [100])
    s = stream(client, give_up_after=10, clock=lambda: now[0])
    got = describe(take(s, 3))
    assert got == [1, (Gap.RECONNECTED, 2, 2, 3), 4], got


def case_first_contact() -> None:
    bad = MaxpoolError("fake:1", grpc.StatusCode.UNAUTHENTICATED, "bad token", hint="check the token")
    try:
        stream(FakeClient([], [bad]))
        raise AssertionError("the first contact's error was not raised")
    except MaxpoolError as error:
        assert str(error) == "maxpool control plane at fake:1: UNAUTHENTICATED: bad token (check the token)", str(error)


def case_cancel() -> None:
    client = FakeClient([[event(1), UNAVAILABLE]], [100, DOWN])
    s = stream(client, initial_backoff=10, max_backoff=10)
    assert next(s).sequence == 1
    s.cancel()
    assert list(s) == [], "items after cancel()"


def main() -> int:
    failed = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("case_"):
            try:
                fn()
                print(f"ok: events unit: {name[5:]}")
            except Exception as error:  # noqa: BLE001
                print(f"FAIL: events unit: {name[5:]}: {error!r}")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
