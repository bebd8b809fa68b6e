from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountConfig(_message.Message):
    __slots__ = ["access_token", "account_uuid", "added_at", "api_key", "auth_header", "auth_token", "cap_utilization", "display_name", "email", "enabled", "expires_at", "model", "model_map", "name", "organization", "priority", "profiles", "provider", "refresh_token", "source", "strip_beta_headers", "type", "upstream"]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    AUTH_HEADER_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CAP_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_MAP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STRIP_BETA_HEADERS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    account_uuid: str
    added_at: int
    api_key: str
    auth_header: str
    auth_token: str
    cap_utilization: float
    display_name: str
    email: str
    enabled: bool
    expires_at: int
    model: str
    model_map: ModelMap
    name: str
    organization: str
    priority: float
    profiles: _containers.RepeatedScalarFieldContainer[str]
    provider: str
    refresh_token: str
    source: str
    strip_beta_headers: bool
    type: str
    upstream: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., provider: _Optional[str] = ..., access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., expires_at: _Optional[int] = ..., api_key: _Optional[str] = ..., auth_token: _Optional[str] = ..., account_uuid: _Optional[str] = ..., email: _Optional[str] = ..., organization: _Optional[str] = ..., source: _Optional[str] = ..., enabled: bool = ..., priority: _Optional[float] = ..., cap_utilization: _Optional[float] = ..., profiles: _Optional[_Iterable[str]] = ..., upstream: _Optional[str] = ..., auth_header: _Optional[str] = ..., model: _Optional[str] = ..., model_map: _Optional[_Union[ModelMap, _Mapping]] = ..., strip_beta_headers: bool = ..., added_at: _Optional[int] = ..., display_name: _Optional[str] = ...) -> None: ...

class AdminConfig(_message.Message):
    __slots__ = ["host", "port"]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class Config(_message.Message):
    __slots__ = ["accounts", "admin", "auto_apply", "auto_update", "control", "event_log", "generation", "log_dir", "logging", "oauth", "prevent_sleep", "providers", "proxy", "queue", "quota_probe_seconds", "restart_drain_timeout_ms", "retry", "routing", "scheduler", "shutdown", "state", "switch_threshold", "sync", "ui", "update_check", "upstream"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    AUTO_APPLY_FIELD_NUMBER: _ClassVar[int]
    AUTO_UPDATE_FIELD_NUMBER: _ClassVar[int]
    CONTROL_FIELD_NUMBER: _ClassVar[int]
    EVENT_LOG_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    LOGGING_FIELD_NUMBER: _ClassVar[int]
    LOG_DIR_FIELD_NUMBER: _ClassVar[int]
    OAUTH_FIELD_NUMBER: _ClassVar[int]
    PREVENT_SLEEP_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    PROXY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    QUOTA_PROBE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RESTART_DRAIN_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    RETRY_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    SCHEDULER_FIELD_NUMBER: _ClassVar[int]
    SHUTDOWN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SWITCH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SYNC_FIELD_NUMBER: _ClassVar[int]
    UI_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CHECK_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[AccountConfig]
    admin: AdminConfig
    auto_apply: bool
    auto_update: bool
    control: ControlConfig
    event_log: bool
    generation: int
    log_dir: str
    logging: LoggingConfig
    oauth: OAuthConfig
    prevent_sleep: bool
    providers: _containers.RepeatedCompositeFieldContainer[ProviderAccount]
    proxy: ProxyConfig
    queue: QueueConfig
    quota_probe_seconds: int
    restart_drain_timeout_ms: int
    retry: RetryConfig
    routing: RoutingConfig
    scheduler: SchedulerConfig
    shutdown: ShutdownConfig
    state: StateConfig
    switch_threshold: float
    sync: SyncConfig
    ui: UiConfig
    update_check: bool
    upstream: str
    def __init__(self, proxy: _Optional[_Union[ProxyConfig, _Mapping]] = ..., upstream: _Optional[str] = ..., prevent_sleep: bool = ..., update_check: bool = ..., auto_update: bool = ..., auto_apply: bool = ..., switch_threshold: _Optional[float] = ..., quota_probe_seconds: _Optional[int] = ..., routing: _Optional[_Union[RoutingConfig, _Mapping]] = ..., scheduler: _Optional[_Union[SchedulerConfig, _Mapping]] = ..., retry: _Optional[_Union[RetryConfig, _Mapping]] = ..., shutdown: _Optional[_Union[ShutdownConfig, _Mapping]] = ..., queue: _Optional[_Union[QueueConfig, _Mapping]] = ..., accounts: _Optional[_Iterable[_Union[AccountConfig, _Mapping]]] = ..., providers: _Optional[_Iterable[_Union[ProviderAccount, _Mapping]]] = ..., event_log: bool = ..., sync: _Optional[_Union[SyncConfig, _Mapping]] = ..., restart_drain_timeout_ms: _Optional[int] = ..., ui: _Optional[_Union[UiConfig, _Mapping]] = ..., log_dir: _Optional[str] = ..., generation: _Optional[int] = ..., control: _Optional[_Union[ControlConfig, _Mapping]] = ..., admin: _Optional[_Union[AdminConfig, _Mapping]] = ..., logging: _Optional[_Union[LoggingConfig, _Mapping]] = ..., oauth: _Optional[_Union[OAuthConfig, _Mapping]] = ..., state: _Optional[_Union[StateConfig, _Mapping]] = ...) -> None: ...

class ControlConfig(_message.Message):
    __slots__ = ["enabled", "host", "max_watch_streams", "port", "read_only_token", "tls", "token"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    MAX_WATCH_STREAMS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    host: str
    max_watch_streams: int
    port: int
    read_only_token: str
    tls: TlsConfig
    token: str
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ..., token: _Optional[str] = ..., tls: _Optional[_Union[TlsConfig, _Mapping]] = ..., read_only_token: _Optional[str] = ..., enabled: bool = ..., max_watch_streams: _Optional[int] = ...) -> None: ...

class LoggingConfig(_message.Message):
    __slots__ = ["format", "level"]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    format: str
    level: str
    def __init__(self, format: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class ModelMap(_message.Message):
    __slots__ = ["default", "haiku", "opus", "sonnet"]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    HAIKU_FIELD_NUMBER: _ClassVar[int]
    OPUS_FIELD_NUMBER: _ClassVar[int]
    SONNET_FIELD_NUMBER: _ClassVar[int]
    default: str
    haiku: str
    opus: str
    sonnet: str
    def __init__(self, opus: _Optional[str] = ..., sonnet: _Optional[str] = ..., haiku: _Optional[str] = ..., default: _Optional[str] = ...) -> None: ...

class OAuthConfig(_message.Message):
    __slots__ = ["api_base_url", "authorize_url", "ca_file", "token_url"]
    API_BASE_URL_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZE_URL_FIELD_NUMBER: _ClassVar[int]
    CA_FILE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_URL_FIELD_NUMBER: _ClassVar[int]
    api_base_url: str
    authorize_url: str
    ca_file: str
    token_url: str
    def __init__(self, token_url: _Optional[str] = ..., authorize_url: _Optional[str] = ..., api_base_url: _Optional[str] = ..., ca_file: _Optional[str] = ...) -> None: ...

class PeakWindow(_message.Message):
    __slots__ = ["days", "end_min", "end_utc_min", "start_min", "start_utc_min"]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    END_MIN_FIELD_NUMBER: _ClassVar[int]
    END_UTC_MIN_FIELD_NUMBER: _ClassVar[int]
    START_MIN_FIELD_NUMBER: _ClassVar[int]
    START_UTC_MIN_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedScalarFieldContainer[int]
    end_min: int
    end_utc_min: int
    start_min: int
    start_utc_min: int
    def __init__(self, days: _Optional[_Iterable[int]] = ..., start_min: _Optional[int] = ..., end_min: _Optional[int] = ..., start_utc_min: _Optional[int] = ..., end_utc_min: _Optional[int] = ...) -> None: ...

class ProviderAccount(_message.Message):
    __slots__ = ["api_key", "enabled", "model", "model_map", "name", "priority", "provider", "secret_name", "upstream"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_MAP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    SECRET_NAME_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    enabled: bool
    model: str
    model_map: ModelMap
    name: str
    priority: float
    provider: str
    secret_name: str
    upstream: str
    def __init__(self, name: _Optional[str] = ..., provider: _Optional[str] = ..., secret_name: _Optional[str] = ..., api_key: _Optional[str] = ..., upstream: _Optional[str] = ..., priority: _Optional[float] = ..., model_map: _Optional[_Union[ModelMap, _Mapping]] = ..., model: _Optional[str] = ..., enabled: bool = ...) -> None: ...

class ProviderPeak(_message.Message):
    __slots__ = ["claude_fallback", "peak_cap", "peak_depreference", "peak_timezone", "peak_windows"]
    CLAUDE_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    PEAK_CAP_FIELD_NUMBER: _ClassVar[int]
    PEAK_DEPREFERENCE_FIELD_NUMBER: _ClassVar[int]
    PEAK_TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PEAK_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    claude_fallback: str
    peak_cap: float
    peak_depreference: bool
    peak_timezone: str
    peak_windows: _containers.RepeatedCompositeFieldContainer[PeakWindow]
    def __init__(self, peak_timezone: _Optional[str] = ..., peak_windows: _Optional[_Iterable[_Union[PeakWindow, _Mapping]]] = ..., peak_cap: _Optional[float] = ..., peak_depreference: bool = ..., claude_fallback: _Optional[str] = ...) -> None: ...

class ProxyConfig(_message.Message):
    __slots__ = ["api_key", "host", "key_required_on_loopback", "max_buffered_request_bytes", "max_client_connections", "port"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    KEY_REQUIRED_ON_LOOPBACK_FIELD_NUMBER: _ClassVar[int]
    MAX_BUFFERED_REQUEST_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_CLIENT_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    host: str
    key_required_on_loopback: bool
    max_buffered_request_bytes: int
    max_client_connections: int
    port: int
    def __init__(self, port: _Optional[int] = ..., host: _Optional[str] = ..., api_key: _Optional[str] = ..., max_client_connections: _Optional[int] = ..., max_buffered_request_bytes: _Optional[int] = ..., key_required_on_loopback: bool = ...) -> None: ...

class QueueConfig(_message.Message):
    __slots__ = ["auto_max_wait_ms", "capacity_max_wait_ms", "count_tokens_max_wait_ms", "enabled", "heartbeat_ms", "max_concurrent_queued", "max_queued_body_bytes", "max_queued_bytes", "max_wait_ms", "network_max_wait_ms", "non_stream_max_wait_ms", "poll_ms", "stream_client_tolerance_ms", "stream_forward_grace_ms", "stream_hold_max_ms", "weekly_max_wait_ms"]
    AUTO_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    COUNT_TOKENS_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_QUEUED_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUED_BODY_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUED_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    NON_STREAM_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    POLL_MS_FIELD_NUMBER: _ClassVar[int]
    STREAM_CLIENT_TOLERANCE_MS_FIELD_NUMBER: _ClassVar[int]
    STREAM_FORWARD_GRACE_MS_FIELD_NUMBER: _ClassVar[int]
    STREAM_HOLD_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_MAX_WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    auto_max_wait_ms: int
    capacity_max_wait_ms: int
    count_tokens_max_wait_ms: int
    enabled: bool
    heartbeat_ms: int
    max_concurrent_queued: int
    max_queued_body_bytes: int
    max_queued_bytes: int
    max_wait_ms: int
    network_max_wait_ms: int
    non_stream_max_wait_ms: int
    poll_ms: int
    stream_client_tolerance_ms: int
    stream_forward_grace_ms: int
    stream_hold_max_ms: int
    weekly_max_wait_ms: int
    def __init__(self, enabled: bool = ..., max_wait_ms: _Optional[int] = ..., auto_max_wait_ms: _Optional[int] = ..., capacity_max_wait_ms: _Optional[int] = ..., weekly_max_wait_ms: _Optional[int] = ..., stream_hold_max_ms: _Optional[int] = ..., non_stream_max_wait_ms: _Optional[int] = ..., max_concurrent_queued: _Optional[int] = ..., max_queued_bytes: _Optional[int] = ..., max_queued_body_bytes: _Optional[int] = ..., poll_ms: _Optional[int] = ..., heartbeat_ms: _Optional[int] = ..., stream_client_tolerance_ms: _Optional[int] = ..., count_tokens_max_wait_ms: _Optional[int] = ..., network_max_wait_ms: _Optional[int] = ..., stream_forward_grace_ms: _Optional[int] = ...) -> None: ...

class RedisConfig(_message.Message):
    __slots__ = ["ca_file", "password", "timeout_ms", "url"]
    CA_FILE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ca_file: str
    password: str
    timeout_ms: int
    url: str
    def __init__(self, url: _Optional[str] = ..., password: _Optional[str] = ..., ca_file: _Optional[str] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class RetryConfig(_message.Message):
    __slots__ = ["max_attempts_per_request", "max_retry_buffer_bytes"]
    MAX_ATTEMPTS_PER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRY_BUFFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    max_attempts_per_request: int
    max_retry_buffer_bytes: int
    def __init__(self, max_attempts_per_request: _Optional[int] = ..., max_retry_buffer_bytes: _Optional[int] = ...) -> None: ...

class RoutingConfig(_message.Message):
    __slots__ = ["mode", "preferred_account"]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    mode: str
    preferred_account: str
    def __init__(self, mode: _Optional[str] = ..., preferred_account: _Optional[str] = ...) -> None: ...

class SchedulerConfig(_message.Message):
    __slots__ = ["cap_penalty_weight", "concurrency_weight", "cooldown_ms", "critical_drain_floor_cost", "critical_peak_unlock", "critical_pre_reset_hours", "critical_pressure_cost", "critical_pressure_unlock_routes", "cross_account_thinking_migration", "cross_provider_fallback_policy", "fast_refill_discount", "fast_refill_fade_util", "max_cooldown_ms", "max_session_bindings", "mode", "network_cooldown_ms", "pace_cost_weight", "peak_defaults_version", "per_account_concurrency_target", "provider_cross_fallback", "providers", "recovery_ramp_ms", "recovery_ramp_weight", "reserve_band_weight", "reserve_concurrency_target", "reserve_floor_cost", "reserve_scarcity_weight", "routing_mode", "safety_max_active_per_account", "safety_max_global_active", "scarcity_weight", "session_idle_ms", "spread_share_weight", "spread_window_ms", "utilization_weight", "weekly_aware_scoring", "weekly_burn_debt_weight", "weekly_critical_threshold", "weekly_exhausted_threshold", "weekly_reserve_threshold", "weekly_soft_threshold"]
    class ProvidersEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ProviderPeak
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ProviderPeak, _Mapping]] = ...) -> None: ...
    CAP_PENALTY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_MS_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_DRAIN_FLOOR_COST_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PEAK_UNLOCK_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PRESSURE_COST_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PRESSURE_UNLOCK_ROUTES_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_PRE_RESET_HOURS_FIELD_NUMBER: _ClassVar[int]
    CROSS_ACCOUNT_THINKING_MIGRATION_FIELD_NUMBER: _ClassVar[int]
    CROSS_PROVIDER_FALLBACK_POLICY_FIELD_NUMBER: _ClassVar[int]
    FAST_REFILL_DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    FAST_REFILL_FADE_UTIL_FIELD_NUMBER: _ClassVar[int]
    MAX_COOLDOWN_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_SESSION_BINDINGS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_COOLDOWN_MS_FIELD_NUMBER: _ClassVar[int]
    PACE_COST_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PEAK_DEFAULTS_VERSION_FIELD_NUMBER: _ClassVar[int]
    PER_ACCOUNT_CONCURRENCY_TARGET_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_CROSS_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_RAMP_MS_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_RAMP_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    RESERVE_BAND_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    RESERVE_CONCURRENCY_TARGET_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FLOOR_COST_FIELD_NUMBER: _ClassVar[int]
    RESERVE_SCARCITY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUTING_MODE_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MAX_ACTIVE_PER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MAX_GLOBAL_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCARCITY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDLE_MS_FIELD_NUMBER: _ClassVar[int]
    SPREAD_SHARE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SPREAD_WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_AWARE_SCORING_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_BURN_DEBT_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_CRITICAL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_EXHAUSTED_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_RESERVE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_SOFT_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    cap_penalty_weight: float
    concurrency_weight: float
    cooldown_ms: int
    critical_drain_floor_cost: float
    critical_peak_unlock: bool
    critical_pre_reset_hours: float
    critical_pressure_cost: float
    critical_pressure_unlock_routes: int
    cross_account_thinking_migration: bool
    cross_provider_fallback_policy: str
    fast_refill_discount: float
    fast_refill_fade_util: float
    max_cooldown_ms: int
    max_session_bindings: int
    mode: str
    network_cooldown_ms: int
    pace_cost_weight: float
    peak_defaults_version: int
    per_account_concurrency_target: int
    provider_cross_fallback: bool
    providers: _containers.MessageMap[str, ProviderPeak]
    recovery_ramp_ms: int
    recovery_ramp_weight: float
    reserve_band_weight: float
    reserve_concurrency_target: int
    reserve_floor_cost: float
    reserve_scarcity_weight: float
    routing_mode: str
    safety_max_active_per_account: int
    safety_max_global_active: int
    scarcity_weight: float
    session_idle_ms: int
    spread_share_weight: float
    spread_window_ms: int
    utilization_weight: float
    weekly_aware_scoring: bool
    weekly_burn_debt_weight: float
    weekly_critical_threshold: float
    weekly_exhausted_threshold: float
    weekly_reserve_threshold: float
    weekly_soft_threshold: float
    def __init__(self, mode: _Optional[str] = ..., safety_max_active_per_account: _Optional[int] = ..., safety_max_global_active: _Optional[int] = ..., cooldown_ms: _Optional[int] = ..., max_cooldown_ms: _Optional[int] = ..., network_cooldown_ms: _Optional[int] = ..., weekly_soft_threshold: _Optional[float] = ..., weekly_reserve_threshold: _Optional[float] = ..., weekly_critical_threshold: _Optional[float] = ..., weekly_exhausted_threshold: _Optional[float] = ..., cross_provider_fallback_policy: _Optional[str] = ..., provider_cross_fallback: bool = ..., providers: _Optional[_Mapping[str, ProviderPeak]] = ..., peak_defaults_version: _Optional[int] = ..., critical_pre_reset_hours: _Optional[float] = ..., critical_pressure_unlock_routes: _Optional[int] = ..., critical_pressure_cost: _Optional[float] = ..., critical_drain_floor_cost: _Optional[float] = ..., critical_peak_unlock: bool = ..., weekly_burn_debt_weight: _Optional[float] = ..., concurrency_weight: _Optional[float] = ..., per_account_concurrency_target: _Optional[int] = ..., cap_penalty_weight: _Optional[float] = ..., pace_cost_weight: _Optional[float] = ..., utilization_weight: _Optional[float] = ..., weekly_aware_scoring: bool = ..., scarcity_weight: _Optional[float] = ..., reserve_floor_cost: _Optional[float] = ..., reserve_band_weight: _Optional[float] = ..., reserve_scarcity_weight: _Optional[float] = ..., reserve_concurrency_target: _Optional[int] = ..., spread_share_weight: _Optional[float] = ..., fast_refill_discount: _Optional[float] = ..., fast_refill_fade_util: _Optional[float] = ..., recovery_ramp_weight: _Optional[float] = ..., recovery_ramp_ms: _Optional[int] = ..., spread_window_ms: _Optional[int] = ..., cross_account_thinking_migration: bool = ..., routing_mode: _Optional[str] = ..., session_idle_ms: _Optional[int] = ..., max_session_bindings: _Optional[int] = ...) -> None: ...

class ShutdownConfig(_message.Message):
    __slots__ = ["drain_timeout_ms"]
    DRAIN_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    drain_timeout_ms: int
    def __init__(self, drain_timeout_ms: _Optional[int] = ...) -> None: ...

class StateConfig(_message.Message):
    __slots__ = ["backend", "lease_ttl_ms", "pool", "redis", "replica", "sync_interval_ms"]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LEASE_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    REDIS_FIELD_NUMBER: _ClassVar[int]
    REPLICA_FIELD_NUMBER: _ClassVar[int]
    SYNC_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    backend: str
    lease_ttl_ms: int
    pool: str
    redis: RedisConfig
    replica: str
    sync_interval_ms: int
    def __init__(self, backend: _Optional[str] = ..., pool: _Optional[str] = ..., redis: _Optional[_Union[RedisConfig, _Mapping]] = ..., replica: _Optional[str] = ..., lease_ttl_ms: _Optional[int] = ..., sync_interval_ms: _Optional[int] = ...) -> None: ...

class SyncConfig(_message.Message):
    __slots__ = ["accounts_interval_ms"]
    ACCOUNTS_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    accounts_interval_ms: int
    def __init__(self, accounts_interval_ms: _Optional[int] = ...) -> None: ...

class TlsConfig(_message.Message):
    __slots__ = ["cert_file", "client_ca_file", "key_file"]
    CERT_FILE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CA_FILE_FIELD_NUMBER: _ClassVar[int]
    KEY_FILE_FIELD_NUMBER: _ClassVar[int]
    cert_file: str
    client_ca_file: str
    key_file: str
    def __init__(self, cert_file: _Optional[str] = ..., key_file: _Optional[str] = ..., client_ca_file: _Optional[str] = ...) -> None: ...

class UiConfig(_message.Message):
    __slots__ = ["hide_disabled"]
    HIDE_DISABLED_FIELD_NUMBER: _ClassVar[int]
    hide_disabled: bool
    def __init__(self, hide_disabled: bool = ...) -> None: ...
