from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import accounts_pb2 as _accounts_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
EVENT_KIND_ACCOUNT_STATE_CHANGED: EventKind
EVENT_KIND_DRAIN_PROGRESS: EventKind
EVENT_KIND_FAILOVER: EventKind
EVENT_KIND_HOLD_ENDED: EventKind
EVENT_KIND_HOLD_STARTED: EventKind
EVENT_KIND_REFRESH: EventKind
EVENT_KIND_REQUEST_FINISHED: EventKind
EVENT_KIND_UNSPECIFIED: EventKind
QUOTA_WINDOW_KIND_FIVE_HOUR: QuotaWindowKind
QUOTA_WINDOW_KIND_PROVIDER_SESSION: QuotaWindowKind
QUOTA_WINDOW_KIND_PROVIDER_WEEK: QuotaWindowKind
QUOTA_WINDOW_KIND_REQUESTS: QuotaWindowKind
QUOTA_WINDOW_KIND_SEVEN_DAY: QuotaWindowKind
QUOTA_WINDOW_KIND_TOKENS: QuotaWindowKind
QUOTA_WINDOW_KIND_UNSPECIFIED: QuotaWindowKind
WEEKLY_TIER_CRITICAL: WeeklyTier
WEEKLY_TIER_EXHAUSTED: WeeklyTier
WEEKLY_TIER_NORMAL: WeeklyTier
WEEKLY_TIER_RESERVE: WeeklyTier
WEEKLY_TIER_SOFT: WeeklyTier
WEEKLY_TIER_UNSPECIFIED: WeeklyTier

class AccountSnapshot(_message.Message):
    __slots__ = ["account", "credentials_unsaved", "display_name", "enabled", "fleet_in_flight", "fleet_load_15m", "fleet_load_1h", "in_flight", "last_error", "last_error_time", "last_status", "load_15m", "load_1h", "priority", "probe_error", "quota", "quota_read_time", "quota_stale", "state", "state_until", "type", "weekly_tier"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_UNSAVED_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FLEET_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    FLEET_LOAD_15M_FIELD_NUMBER: _ClassVar[int]
    FLEET_LOAD_1H_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_FIELD_NUMBER: _ClassVar[int]
    LOAD_15M_FIELD_NUMBER: _ClassVar[int]
    LOAD_1H_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROBE_ERROR_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    QUOTA_READ_TIME_FIELD_NUMBER: _ClassVar[int]
    QUOTA_STALE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_TIER_FIELD_NUMBER: _ClassVar[int]
    account: str
    credentials_unsaved: str
    display_name: str
    enabled: bool
    fleet_in_flight: int
    fleet_load_15m: LoadWindow
    fleet_load_1h: LoadWindow
    in_flight: int
    last_error: str
    last_error_time: _timestamp_pb2.Timestamp
    last_status: int
    load_15m: LoadWindow
    load_1h: LoadWindow
    priority: float
    probe_error: str
    quota: _containers.RepeatedCompositeFieldContainer[QuotaWindow]
    quota_read_time: _timestamp_pb2.Timestamp
    quota_stale: bool
    state: _accounts_pb2.AccountState
    state_until: _timestamp_pb2.Timestamp
    type: _accounts_pb2.AccountType
    weekly_tier: WeeklyTier
    def __init__(self, account: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[_accounts_pb2.AccountType, str]] = ..., state: _Optional[_Union[_accounts_pb2.AccountState, str]] = ..., state_until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., quota: _Optional[_Iterable[_Union[QuotaWindow, _Mapping]]] = ..., weekly_tier: _Optional[_Union[WeeklyTier, str]] = ..., in_flight: _Optional[int] = ..., load_15m: _Optional[_Union[LoadWindow, _Mapping]] = ..., load_1h: _Optional[_Union[LoadWindow, _Mapping]] = ..., last_error: _Optional[str] = ..., last_error_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_status: _Optional[int] = ..., enabled: bool = ..., priority: _Optional[float] = ..., credentials_unsaved: _Optional[str] = ..., quota_read_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., quota_stale: bool = ..., probe_error: _Optional[str] = ..., fleet_in_flight: _Optional[int] = ..., fleet_load_15m: _Optional[_Union[LoadWindow, _Mapping]] = ..., fleet_load_1h: _Optional[_Union[LoadWindow, _Mapping]] = ...) -> None: ...

class AccountStateChanged(_message.Message):
    __slots__ = ["account", "current", "previous", "reason"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account: str
    current: _accounts_pb2.AccountState
    previous: _accounts_pb2.AccountState
    reason: str
    def __init__(self, account: _Optional[str] = ..., previous: _Optional[_Union[_accounts_pb2.AccountState, str]] = ..., current: _Optional[_Union[_accounts_pb2.AccountState, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ClusterSnapshot(_message.Message):
    __slots__ = ["connected", "degraded_since", "error", "replica", "replicas"]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_SINCE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    REPLICA_FIELD_NUMBER: _ClassVar[int]
    connected: bool
    degraded_since: _timestamp_pb2.Timestamp
    error: str
    replica: str
    replicas: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, replica: _Optional[str] = ..., connected: bool = ..., replicas: _Optional[_Iterable[str]] = ..., degraded_since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class DrainProgress(_message.Message):
    __slots__ = ["deadline_time", "done", "held", "in_flight"]
    DEADLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    deadline_time: _timestamp_pb2.Timestamp
    done: bool
    held: int
    in_flight: int
    def __init__(self, in_flight: _Optional[int] = ..., held: _Optional[int] = ..., deadline_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., done: bool = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ["account_state_changed", "drain_progress", "failover", "hold_ended", "hold_started", "refresh_finished", "request_finished", "sequence", "time"]
    ACCOUNT_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    DRAIN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FAILOVER_FIELD_NUMBER: _ClassVar[int]
    HOLD_ENDED_FIELD_NUMBER: _ClassVar[int]
    HOLD_STARTED_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FINISHED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FINISHED_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    account_state_changed: AccountStateChanged
    drain_progress: DrainProgress
    failover: Failover
    hold_ended: HoldEnded
    hold_started: HoldStarted
    refresh_finished: RefreshFinished
    request_finished: RequestFinished
    sequence: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., request_finished: _Optional[_Union[RequestFinished, _Mapping]] = ..., failover: _Optional[_Union[Failover, _Mapping]] = ..., account_state_changed: _Optional[_Union[AccountStateChanged, _Mapping]] = ..., refresh_finished: _Optional[_Union[RefreshFinished, _Mapping]] = ..., hold_started: _Optional[_Union[HoldStarted, _Mapping]] = ..., hold_ended: _Optional[_Union[HoldEnded, _Mapping]] = ..., drain_progress: _Optional[_Union[DrainProgress, _Mapping]] = ...) -> None: ...

class EventGap(_message.Message):
    __slots__ = ["dropped"]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    dropped: int
    def __init__(self, dropped: _Optional[int] = ...) -> None: ...

class Failover(_message.Message):
    __slots__ = ["account", "failure_class", "next", "status"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CLASS_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    account: str
    failure_class: str
    next: str
    status: int
    def __init__(self, account: _Optional[str] = ..., failure_class: _Optional[str] = ..., status: _Optional[int] = ..., next: _Optional[str] = ...) -> None: ...

class GetPoolSnapshotRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class HoldEnded(_message.Message):
    __slots__ = ["hold_id", "outcome", "waited"]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    WAITED_FIELD_NUMBER: _ClassVar[int]
    hold_id: int
    outcome: str
    waited: _duration_pb2.Duration
    def __init__(self, hold_id: _Optional[int] = ..., outcome: _Optional[str] = ..., waited: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class HoldStarted(_message.Message):
    __slots__ = ["hold_id", "queue_depth", "streaming"]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    STREAMING_FIELD_NUMBER: _ClassVar[int]
    hold_id: int
    queue_depth: int
    streaming: bool
    def __init__(self, hold_id: _Optional[int] = ..., streaming: bool = ..., queue_depth: _Optional[int] = ...) -> None: ...

class LoadWindow(_message.Message):
    __slots__ = ["average_duration", "failed", "requests", "weight"]
    AVERAGE_DURATION_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    average_duration: _duration_pb2.Duration
    failed: int
    requests: int
    weight: int
    def __init__(self, requests: _Optional[int] = ..., failed: _Optional[int] = ..., weight: _Optional[int] = ..., average_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PoolSnapshot(_message.Message):
    __slots__ = ["accounts", "breaker_open", "breaker_probing", "breaker_until", "cluster", "draining", "held", "in_flight", "preferred_account", "time"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    BREAKER_OPEN_FIELD_NUMBER: _ClassVar[int]
    BREAKER_PROBING_FIELD_NUMBER: _ClassVar[int]
    BREAKER_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[AccountSnapshot]
    breaker_open: bool
    breaker_probing: bool
    breaker_until: _timestamp_pb2.Timestamp
    cluster: ClusterSnapshot
    draining: bool
    held: int
    in_flight: int
    preferred_account: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., accounts: _Optional[_Iterable[_Union[AccountSnapshot, _Mapping]]] = ..., in_flight: _Optional[int] = ..., held: _Optional[int] = ..., draining: bool = ..., preferred_account: _Optional[str] = ..., breaker_open: bool = ..., breaker_until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., breaker_probing: bool = ..., cluster: _Optional[_Union[ClusterSnapshot, _Mapping]] = ...) -> None: ...

class QuotaWindow(_message.Message):
    __slots__ = ["kind", "limit", "remaining", "reset_time", "utilization"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    kind: QuotaWindowKind
    limit: int
    remaining: int
    reset_time: _timestamp_pb2.Timestamp
    utilization: float
    def __init__(self, kind: _Optional[_Union[QuotaWindowKind, str]] = ..., utilization: _Optional[float] = ..., reset_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., remaining: _Optional[int] = ...) -> None: ...

class RefreshFinished(_message.Message):
    __slots__ = ["account", "error", "ok"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    account: str
    error: str
    ok: bool
    def __init__(self, account: _Optional[str] = ..., ok: bool = ..., error: _Optional[str] = ...) -> None: ...

class RequestFinished(_message.Message):
    __slots__ = ["account", "attempts", "client_gone", "duration", "held", "input_tokens", "method", "output_tokens", "path", "status", "truncated", "upstream_ttfb"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_GONE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_TTFB_FIELD_NUMBER: _ClassVar[int]
    account: str
    attempts: int
    client_gone: bool
    duration: _duration_pb2.Duration
    held: bool
    input_tokens: int
    method: str
    output_tokens: int
    path: str
    status: int
    truncated: bool
    upstream_ttfb: _duration_pb2.Duration
    def __init__(self, account: _Optional[str] = ..., method: _Optional[str] = ..., path: _Optional[str] = ..., status: _Optional[int] = ..., duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., attempts: _Optional[int] = ..., held: bool = ..., truncated: bool = ..., client_gone: bool = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., upstream_ttfb: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ["accounts", "kinds", "queue_size"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    queue_size: int
    def __init__(self, kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ..., accounts: _Optional[_Iterable[str]] = ..., queue_size: _Optional[int] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ["event", "gap"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    event: Event
    gap: EventGap
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ..., gap: _Optional[_Union[EventGap, _Mapping]] = ...) -> None: ...

class WatchPoolRequest(_message.Message):
    __slots__ = ["interval"]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    def __init__(self, interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WeeklyTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class QuotaWindowKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
