from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LISTENER_KIND_ADMIN: ListenerKind
LISTENER_KIND_CONTROL_PLANE: ListenerKind
LISTENER_KIND_DATA_PLANE: ListenerKind
LISTENER_KIND_UNSPECIFIED: ListenerKind

class DrainRequest(_message.Message):
    __slots__ = ["accept_grace", "deadline"]
    ACCEPT_GRACE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    accept_grace: _duration_pb2.Duration
    deadline: _duration_pb2.Duration
    def __init__(self, deadline: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., accept_grace: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class DrainResponse(_message.Message):
    __slots__ = ["already_draining", "deadline_time", "in_flight"]
    ALREADY_DRAINING_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    already_draining: bool
    deadline_time: _timestamp_pb2.Timestamp
    in_flight: int
    def __init__(self, deadline_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., in_flight: _Optional[int] = ..., already_draining: bool = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ["accounts", "config_path", "drain_deadline", "draining", "held", "in_flight", "listeners", "start_time", "uptime", "version"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_PATH_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    DRAIN_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    LISTENERS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    accounts: int
    config_path: str
    drain_deadline: _timestamp_pb2.Timestamp
    draining: bool
    held: int
    in_flight: int
    listeners: _containers.RepeatedCompositeFieldContainer[Listener]
    start_time: _timestamp_pb2.Timestamp
    uptime: _duration_pb2.Duration
    version: str
    def __init__(self, version: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., uptime: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., listeners: _Optional[_Iterable[_Union[Listener, _Mapping]]] = ..., draining: bool = ..., in_flight: _Optional[int] = ..., held: _Optional[int] = ..., accounts: _Optional[int] = ..., config_path: _Optional[str] = ..., drain_deadline: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Listener(_message.Message):
    __slots__ = ["address", "kind", "tls"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    address: str
    kind: ListenerKind
    tls: bool
    def __init__(self, kind: _Optional[_Union[ListenerKind, str]] = ..., address: _Optional[str] = ..., tls: bool = ...) -> None: ...

class ReloadConfigRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ReloadConfigResponse(_message.Message):
    __slots__ = ["accounts"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: int
    def __init__(self, accounts: _Optional[int] = ...) -> None: ...

class ListenerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
