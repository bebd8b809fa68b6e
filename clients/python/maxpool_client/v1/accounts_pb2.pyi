from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ACCOUNT_STATE_ACTIVE: AccountState
ACCOUNT_STATE_BANNED: AccountState
ACCOUNT_STATE_COOLING: AccountState
ACCOUNT_STATE_DISABLED: AccountState
ACCOUNT_STATE_EXHAUSTED: AccountState
ACCOUNT_STATE_NEEDS_LOGIN: AccountState
ACCOUNT_STATE_THROTTLED: AccountState
ACCOUNT_STATE_UNSPECIFIED: AccountState
ACCOUNT_TYPE_API_KEY: AccountType
ACCOUNT_TYPE_OAUTH: AccountType
ACCOUNT_TYPE_PROVIDER: AccountType
ACCOUNT_TYPE_UNSPECIFIED: AccountType
CREDENTIAL_KIND_API_KEY: CredentialKind
CREDENTIAL_KIND_OAUTH_TOKENS: CredentialKind
CREDENTIAL_KIND_PROVIDER_KEY: CredentialKind
CREDENTIAL_KIND_UNSPECIFIED: CredentialKind
DESCRIPTOR: _descriptor.FileDescriptor
PROVIDER_ANTHROPIC: Provider
PROVIDER_KIMI: Provider
PROVIDER_UNSPECIFIED: Provider
PROVIDER_ZAI: Provider

class Account(_message.Message):
    __slots__ = ["account_uuid", "credential", "display_name", "email", "enabled", "in_flight", "name", "organization", "priority", "profiles", "provider", "state", "state_reason", "state_until", "type", "upstream", "usage_cap"]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    USAGE_CAP_FIELD_NUMBER: _ClassVar[int]
    account_uuid: str
    credential: CredentialInfo
    display_name: str
    email: str
    enabled: bool
    in_flight: int
    name: str
    organization: str
    priority: float
    profiles: _containers.RepeatedScalarFieldContainer[str]
    provider: Provider
    state: AccountState
    state_reason: str
    state_until: _timestamp_pb2.Timestamp
    type: AccountType
    upstream: str
    usage_cap: float
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[_Union[AccountType, str]] = ..., provider: _Optional[_Union[Provider, str]] = ..., enabled: bool = ..., priority: _Optional[float] = ..., usage_cap: _Optional[float] = ..., profiles: _Optional[_Iterable[str]] = ..., upstream: _Optional[str] = ..., state: _Optional[_Union[AccountState, str]] = ..., credential: _Optional[_Union[CredentialInfo, _Mapping]] = ..., email: _Optional[str] = ..., organization: _Optional[str] = ..., account_uuid: _Optional[str] = ..., in_flight: _Optional[int] = ..., state_until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., state_reason: _Optional[str] = ...) -> None: ...

class ApiKeyCredential(_message.Message):
    __slots__ = ["api_key"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    def __init__(self, api_key: _Optional[str] = ...) -> None: ...

class CompleteOAuthLoginRequest(_message.Message):
    __slots__ = ["code", "login_id"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    LOGIN_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    login_id: str
    def __init__(self, login_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ["account", "account_id", "api_key", "oauth_tokens", "provider_key"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    OAUTH_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_KEY_FIELD_NUMBER: _ClassVar[int]
    account: Account
    account_id: str
    api_key: ApiKeyCredential
    oauth_tokens: OAuthTokens
    provider_key: ProviderCredential
    def __init__(self, account_id: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., api_key: _Optional[_Union[ApiKeyCredential, _Mapping]] = ..., oauth_tokens: _Optional[_Union[OAuthTokens, _Mapping]] = ..., provider_key: _Optional[_Union[ProviderCredential, _Mapping]] = ...) -> None: ...

class CredentialInfo(_message.Message):
    __slots__ = ["expire_time", "fingerprint", "kind", "refresh_dead", "refreshable"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REFRESHABLE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_DEAD_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    fingerprint: str
    kind: CredentialKind
    refresh_dead: bool
    refreshable: bool
    def __init__(self, kind: _Optional[_Union[CredentialKind, str]] = ..., fingerprint: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., refreshable: bool = ..., refresh_dead: bool = ...) -> None: ...

class DeleteAccountRequest(_message.Message):
    __slots__ = ["force", "name"]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    force: bool
    name: str
    def __init__(self, name: _Optional[str] = ..., force: bool = ...) -> None: ...

class DeleteAccountResponse(_message.Message):
    __slots__ = ["in_flight"]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    in_flight: int
    def __init__(self, in_flight: _Optional[int] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ImportClaudeCodeCredentialsRequest(_message.Message):
    __slots__ = ["account_id", "path"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    path: str
    def __init__(self, account_id: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ["accounts", "next_page_token", "total_size"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    next_page_token: str
    total_size: int
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class OAuthTokens(_message.Message):
    __slots__ = ["access_token", "expire_time", "refresh_token"]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expire_time: _timestamp_pb2.Timestamp
    refresh_token: str
    def __init__(self, access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProviderCredential(_message.Message):
    __slots__ = ["api_key", "provider"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, str]] = ..., api_key: _Optional[str] = ...) -> None: ...

class RefreshAccountCredentialsRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class StartOAuthLoginRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class StartOAuthLoginResponse(_message.Message):
    __slots__ = ["authorize_url", "expire_time", "login_id"]
    AUTHORIZE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LOGIN_ID_FIELD_NUMBER: _ClassVar[int]
    authorize_url: str
    expire_time: _timestamp_pb2.Timestamp
    login_id: str
    def __init__(self, login_id: _Optional[str] = ..., authorize_url: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ["account", "update_mask"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    account: Account
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class AccountType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Provider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AccountState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CredentialKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
