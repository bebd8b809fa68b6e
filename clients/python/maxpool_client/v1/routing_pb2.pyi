from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ROUTING_MODE_AUTOMATIC: RoutingMode
ROUTING_MODE_PREFERRED: RoutingMode
ROUTING_MODE_UNSPECIFIED: RoutingMode

class GetRoutingPolicyRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ["next_page_token", "sessions", "total_size"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    total_size: int
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class RoutingPolicy(_message.Message):
    __slots__ = ["mode", "name", "preferred_account", "switch_threshold", "weekly_critical_threshold", "weekly_reserve_threshold", "weekly_soft_threshold"]
    MODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SWITCH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_CRITICAL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_RESERVE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_SOFT_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    mode: RoutingMode
    name: str
    preferred_account: str
    switch_threshold: float
    weekly_critical_threshold: float
    weekly_reserve_threshold: float
    weekly_soft_threshold: float
    def __init__(self, name: _Optional[str] = ..., mode: _Optional[_Union[RoutingMode, str]] = ..., preferred_account: _Optional[str] = ..., switch_threshold: _Optional[float] = ..., weekly_soft_threshold: _Optional[float] = ..., weekly_reserve_threshold: _Optional[float] = ..., weekly_critical_threshold: _Optional[float] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ["current_account", "home_account", "session_id"]
    CURRENT_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    HOME_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    current_account: str
    home_account: str
    session_id: str
    def __init__(self, session_id: _Optional[str] = ..., home_account: _Optional[str] = ..., current_account: _Optional[str] = ...) -> None: ...

class UpdateRoutingPolicyRequest(_message.Message):
    __slots__ = ["policy", "update_mask"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    policy: RoutingPolicy
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, policy: _Optional[_Union[RoutingPolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class RoutingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
