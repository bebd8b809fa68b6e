"""A small typed client for the maxpool control plane (gRPC, ``maxpool.v1``)."""

from __future__ import annotations

import collections
import datetime
from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

import grpc
from google.protobuf import duration_pb2, field_mask_pb2, timestamp_pb2

from .errors import MaxpoolError
from .events import EventStream
from .v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    lifecycle_pb2,
    lifecycle_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    telemetry_pb2,
    telemetry_pb2_grpc,
)

__all__ = ["Client", "connect", "account_name"]

Seconds = Union[float, int, datetime.timedelta]
T = TypeVar("T")

# The channel reconnects within a few seconds of the server coming back (gRPC's default backoff
# grows to 2 minutes), so an event stream resumes soon after a restart.
_DEFAULT_OPTIONS: Tuple[Tuple[str, Any], ...] = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 3000),
)


def account_name(account: str) -> str:
    """``"work"`` -> ``"accounts/work"``; a name that already has the prefix is returned as is."""
    if not account:
        raise ValueError("an account id or name is required")
    return account if account.startswith("accounts/") else f"accounts/{account}"


def _duration(value: Optional[Seconds]) -> Optional[duration_pb2.Duration]:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    out = duration_pb2.Duration()
    out.FromNanoseconds(int(round(float(value) * 1e9)))
    return out


def _timestamp(value: Optional[datetime.datetime]) -> Optional[timestamp_pb2.Timestamp]:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("expire_time must be timezone-aware (for example datetime.timezone.utc)")
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value.astimezone(datetime.timezone.utc).replace(tzinfo=None))
    return out


def _enum(enum_type: Any, prefix: str, value: Union[int, str]) -> int:
    """An enum value from its number, full name (``ROUTING_MODE_AUTOMATIC``) or short name
    (``automatic``)."""
    if isinstance(value, int):
        return value
    name = value.upper()
    if not name.startswith(prefix):
        name = prefix + name
    try:
        return int(enum_type.Value(name))
    except ValueError:
        names = [n[len(prefix):].lower() for n in enum_type.keys() if not n.endswith("UNSPECIFIED")]
        raise ValueError(f"unknown {prefix.rstrip('_').lower()} {value!r}; one of {names}") from None


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _TokenInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``authorization: Bearer <token>`` to every call of the channel."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = [m for m in (details.metadata or ()) if m[0] != "authorization"]
        metadata.append(self._header)
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as error:
        raise ValueError(f"cannot read the {what} {path}: {error.strerror}") from None


class Client:
    """A connection to one maxpool control plane.

    Every call sends ``authorization: Bearer <token>`` when a token is given, and raises
    ``MaxpoolError`` (with the gRPC code and the server's message) when it fails. Unary calls time
    out after ``timeout`` seconds (None: never). Use it as a context manager, or call ``close()``.

    The raw stubs are there too, for anything the helpers do not cover: ``client.accounts``,
    ``client.routing``, ``client.lifecycle``, ``client.telemetry`` (their calls get the token but
    raise ``grpc.RpcError``); messages are in ``maxpool_client.v1.*_pb2``.
    """

    def __init__(
        self,
        target: str,
        token: Optional[str] = None,
        *,
        tls: bool = False,
        ca_file: Optional[str] = None,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        server_name: Optional[str] = None,
        timeout: Optional[float] = 30.0,
        options: Sequence[Tuple[str, Any]] = (),
    ) -> None:
        """Connects lazily to ``target`` (``host:port``); see ``connect``."""
        if not target:
            raise ValueError("target (host:port of the control plane) is required")
        if (cert_file is None) != (key_file is None):
            raise ValueError("mutual TLS needs both cert_file and key_file")
        self.target = target
        self.timeout = timeout
        self.has_token = bool(token)
        tls = tls or ca_file is not None or cert_file is not None
        all_options = list(_DEFAULT_OPTIONS)
        given = {name for name, _ in options}
        all_options = [o for o in all_options if o[0] not in given] + list(options)
        if tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(ca_file, "CA file") if ca_file else None,
                private_key=_read(key_file, "key file") if key_file else None,
                certificate_chain=_read(cert_file, "certificate file") if cert_file else None,
            )
            if server_name:
                all_options.append(("grpc.ssl_target_name_override", server_name))
            self._raw_channel = grpc.secure_channel(target, credentials, options=all_options)
        else:
            if server_name:
                raise ValueError("server_name is for TLS; set tls=True or ca_file")
            self._raw_channel = grpc.insecure_channel(target, options=all_options)
        self.channel: grpc.Channel = (
            grpc.intercept_channel(self._raw_channel, _TokenInterceptor(token))
            if token
            else self._raw_channel
        )
        self.accounts = accounts_pb2_grpc.AccountServiceStub(self.channel)
        self.routing = routing_pb2_grpc.RoutingServiceStub(self.channel)
        self.lifecycle = lifecycle_pb2_grpc.LifecycleServiceStub(self.channel)
        self.telemetry = telemetry_pb2_grpc.TelemetryServiceStub(self.channel)

    def __repr__(self) -> str:
        return f"Client({self.target!r}, token={'***' if self.has_token else None})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel; calls in progress end with CANCELLED."""
        self._raw_channel.close()

    def _call(self, method: Callable[..., T], request: Any) -> T:
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise MaxpoolError.from_rpc_error(
                self.target, error, token_sent=self.has_token
            ) from None

    # --- accounts --------------------------------------------------------------------------

    def list_accounts(self) -> List[accounts_pb2.Account]:
        """Every account, in pool order (all pages)."""
        out: List[accounts_pb2.Account] = []
        token = ""
        while True:
            page = self._call(
                self.accounts.ListAccounts,
                accounts_pb2.ListAccountsRequest(page_size=1000, page_token=token),
            )
            out.extend(page.accounts)
            token = page.next_page_token
            if not token:
                return out

    def get_account(self, account: str) -> accounts_pb2.Account:
        """One account, by id (``work``) or name (``accounts/work``). NOT_FOUND if none."""
        return self._call(
            self.accounts.GetAccount, accounts_pb2.GetAccountRequest(name=account_name(account))
        )

    @staticmethod
    def _settings(
        display_name: Optional[str],
        enabled: Optional[bool],
        priority: Optional[float],
        usage_cap: Optional[float],
        upstream: Optional[str],
    ) -> accounts_pb2.Account:
        settings = accounts_pb2.Account()
        if display_name is not None:
            settings.display_name = display_name
        if enabled is not None:
            settings.enabled = enabled
        if priority is not None:
            settings.priority = priority
        if usage_cap is not None:
            settings.usage_cap = usage_cap
        if upstream is not None:
            settings.upstream = upstream
        return settings

    def create_api_key_account(
        self,
        account_id: str,
        api_key: str,
        *,
        display_name: Optional[str] = None,
        enabled: Optional[bool] = None,
        priority: Optional[float] = None,
        usage_cap: Optional[float] = None,
        upstream: Optional[str] = None,
    ) -> accounts_pb2.Account:
        """Adds an Anthropic Console API key account. ALREADY_EXISTS if the id is taken."""
        return self._call(
            self.accounts.CreateAccount,
            accounts_pb2.CreateAccountRequest(
                account_id=account_id,
                api_key=accounts_pb2.ApiKeyCredential(api_key=api_key),
                account=self._settings(display_name, enabled, priority, usage_cap, upstream),
            ),
        )

    def create_oauth_account(
        self,
        account_id: str,
        access_token: str,
        refresh_token: Optional[str] = None,
        expire_time: Optional[datetime.datetime] = None,
        *,
        display_name: Optional[str] = None,
        enabled: Optional[bool] = None,
        priority: Optional[float] = None,
        usage_cap: Optional[float] = None,
        upstream: Optional[str] = None,
    ) -> accounts_pb2.Account:
        """Adds a subscription account from OAuth tokens obtained elsewhere (``expire_time``
        timezone-aware). Without a refresh token it serves until the access token expires."""
        tokens = accounts_pb2.OAuthTokens(access_token=access_token)
        if refresh_token:
            tokens.refresh_token = refresh_token
        stamp = _timestamp(expire_time)
        if stamp is not None:
            tokens.expire_time.CopyFrom(stamp)
        return self._call(
            self.accounts.CreateAccount,
            accounts_pb2.CreateAccountRequest(
                account_id=account_id,
                oauth_tokens=tokens,
                account=self._settings(display_name, enabled, priority, usage_cap, upstream),
            ),
        )

    def create_provider_account(
        self,
        account_id: str,
        provider: Union[int, str],
        api_key: str,
        *,
        display_name: Optional[str] = None,
        enabled: Optional[bool] = None,
        priority: Optional[float] = None,
        usage_cap: Optional[float] = None,
        upstream: Optional[str] = None,
    ) -> accounts_pb2.Account:
        """Adds a third-party provider account; ``provider`` is ``"zai"``, ``"kimi"`` or a
        ``Provider`` value."""
        return self._call(
            self.accounts.CreateAccount,
            accounts_pb2.CreateAccountRequest(
                account_id=account_id,
                provider_key=accounts_pb2.ProviderCredential(
                    provider=_enum(accounts_pb2.Provider, "PROVIDER_", provider), api_key=api_key
                ),
                account=self._settings(display_name, enabled, priority, usage_cap, upstream),
            ),
        )

    def update_account(
        self,
        account: str,
        *,
        enabled: Optional[bool] = None,
        priority: Optional[float] = None,
        usage_cap: Optional[float] = None,
        clear_usage_cap: bool = False,
        display_name: Optional[str] = None,
    ) -> accounts_pb2.Account:
        """Changes the settings given (None leaves a setting as it is; ``clear_usage_cap``
        removes the cap). Returns the account as it is now."""
        if usage_cap is not None and clear_usage_cap:
            raise ValueError("give usage_cap or clear_usage_cap, not both")
        changes = accounts_pb2.Account(name=account_name(account))
        paths: List[str] = []
        if enabled is not None:
            changes.enabled = enabled
            paths.append("enabled")
        if priority is not None:
            changes.priority = priority
            paths.append("priority")
        if usage_cap is not None or clear_usage_cap:
            if usage_cap is not None:
                changes.usage_cap = usage_cap
            paths.append("usage_cap")
        if display_name is not None:
            changes.display_name = display_name
            paths.append("display_name")
        if not paths:
            raise ValueError("nothing to change: give enabled, priority, usage_cap or display_name")
        return self._call(
            self.accounts.UpdateAccount,
            accounts_pb2.UpdateAccountRequest(
                account=changes, update_mask=field_mask_pb2.FieldMask(paths=paths)
            ),
        )

    def enable_account(self, account: str) -> accounts_pb2.Account:
        """Lets routing use the account again."""
        return self.update_account(account, enabled=True)

    def disable_account(self, account: str) -> accounts_pb2.Account:
        """Takes the account out of routing; its requests in flight carry on."""
        return self.update_account(account, enabled=False)

    def delete_account(self, account: str, *, force: bool = False) -> int:
        """Removes an account. FAILED_PRECONDITION while it has requests in flight, unless
        ``force``. Returns the requests still in flight on it (it leaves when they finish)."""
        response = self._call(
            self.accounts.DeleteAccount,
            accounts_pb2.DeleteAccountRequest(name=account_name(account), force=force),
        )
        return int(response.in_flight)

    def refresh_account_credentials(self, account: str) -> accounts_pb2.Account:
        """Refreshes an OAuth account's access token now."""
        return self._call(
            self.accounts.RefreshAccountCredentials,
            accounts_pb2.RefreshAccountCredentialsRequest(name=account_name(account)),
        )

    # --- routing ---------------------------------------------------------------------------

    def get_routing_policy(self) -> routing_pb2.RoutingPolicy:
        """The routing policy: mode, preferred account, thresholds."""
        return self._call(self.routing.GetRoutingPolicy, routing_pb2.GetRoutingPolicyRequest())

    def update_routing_policy(
        self,
        *,
        mode: Optional[Union[int, str]] = None,
        preferred_account: Optional[str] = None,
        switch_threshold: Optional[float] = None,
        weekly_soft_threshold: Optional[float] = None,
        weekly_reserve_threshold: Optional[float] = None,
        weekly_critical_threshold: Optional[float] = None,
    ) -> routing_pb2.RoutingPolicy:
        """Changes the fields given. ``mode`` is ``"automatic"``, ``"preferred"`` or a
        ``RoutingMode`` value; a ``preferred_account`` alone also sets the mode to preferred."""
        policy = routing_pb2.RoutingPolicy()
        paths: List[str] = []
        if mode is not None:
            policy.mode = _enum(routing_pb2.RoutingMode, "ROUTING_MODE_", mode)
            paths.append("mode")
        if preferred_account is not None:
            policy.preferred_account = account_name(preferred_account)
            paths.append("preferred_account")
        for field, value in (
            ("switch_threshold", switch_threshold),
            ("weekly_soft_threshold", weekly_soft_threshold),
            ("weekly_reserve_threshold", weekly_reserve_threshold),
            ("weekly_critical_threshold", weekly_critical_threshold),
        ):
            if value is not None:
                setattr(policy, field, value)
                paths.append(field)
        if not paths:
            raise ValueError("nothing to change")
        return self._call(
            self.routing.UpdateRoutingPolicy,
            routing_pb2.UpdateRoutingPolicyRequest(
                policy=policy, update_mask=field_mask_pb2.FieldMask(paths=paths)
            ),
        )

    def set_preferred_account(self, account: str) -> routing_pb2.RoutingPolicy:
        """Sends every request to ``account`` while it can serve (with failover)."""
        return self.update_routing_policy(mode="preferred", preferred_account=account)

    def set_automatic_routing(self) -> routing_pb2.RoutingPolicy:
        """Back to automatic routing over the whole pool."""
        return self.update_routing_policy(mode="automatic")

    def list_sessions(self) -> List[routing_pb2.Session]:
        """Every session kept on an account (all pages), ordered by session id."""
        out: List[routing_pb2.Session] = []
        token = ""
        while True:
            page = self._call(
                self.routing.ListSessions,
                routing_pb2.ListSessionsRequest(page_size=1000, page_token=token),
            )
            out.extend(page.sessions)
            token = page.next_page_token
            if not token:
                return out

    # --- lifecycle -------------------------------------------------------------------------

    def status(self) -> lifecycle_pb2.GetStatusResponse:
        """Version, start time, listeners, load, whether draining."""
        return self._call(self.lifecycle.GetStatus, lifecycle_pb2.GetStatusRequest())

    def drain(
        self, deadline: Optional[Seconds] = None, accept_grace: Optional[Seconds] = None
    ) -> lifecycle_pb2.DrainResponse:
        """Starts a graceful drain; the server exits 0 once it ends (see docs/control-plane.md).

        ``deadline``: how long requests in flight may take (default: the server's
        shutdown.drainTimeoutMs). ``accept_grace``: how long new requests are still accepted.
        Seconds or ``timedelta``."""
        request = lifecycle_pb2.DrainRequest()
        d = _duration(deadline)
        if d is not None:
            request.deadline.CopyFrom(d)
        g = _duration(accept_grace)
        if g is not None:
            request.accept_grace.CopyFrom(g)
        return self._call(self.lifecycle.Drain, request)

    def reload_config(self) -> int:
        """Re-reads the config file now; returns the number of accounts after the reload."""
        response = self._call(self.lifecycle.ReloadConfig, lifecycle_pb2.ReloadConfigRequest())
        return int(response.accounts)

    # --- telemetry -------------------------------------------------------------------------

    def pool_snapshot(self) -> telemetry_pb2.PoolSnapshot:
        """Every account's state, quota, load and in-flight count, and the pool's, now."""
        return self._call(self.telemetry.GetPoolSnapshot, telemetry_pb2.GetPoolSnapshotRequest())

    def watch_pool(self, interval: Optional[Seconds] = None) -> Iterator[telemetry_pb2.PoolSnapshot]:
        """A snapshot at once, then one every ``interval`` (default 1 s), until the iterator is
        closed. Errors are raised as ``MaxpoolError``; there is no reconnection."""
        request = telemetry_pb2.WatchPoolRequest()
        d = _duration(interval)
        if d is not None:
            request.interval.CopyFrom(d)
        call = self.telemetry.WatchPool(request)
        try:
            for snapshot in call:
                yield snapshot
        except grpc.RpcError as error:
            raise MaxpoolError.from_rpc_error(
                self.target, error, token_sent=self.has_token
            ) from None
        finally:
            call.cancel()

    def events(
        self,
        kinds: Iterable[Union[int, str]] = (),
        accounts: Iterable[str] = (),
        *,
        queue_size: int = 0,
        reconnect: bool = True,
        initial_backoff: float = 0.5,
        max_backoff: float = 10.0,
        give_up_after: Optional[float] = None,
    ) -> EventStream:
        """The pool's events, as an ``EventStream`` of ``telemetry_pb2.Event`` and ``Gap`` items.

        ``kinds``: only these (``"request_finished"``, ``"failover"``, ``"refresh"``, ...,
        or ``EventKind`` values); empty = all. ``accounts``: only events about these accounts
        (ids or names), plus those about none. ``queue_size``: the server-side queue of this
        watch (16..65536, default 1024). A broken stream is opened again (see ``EventStream``)
        unless ``reconnect`` is False. The server is contacted at once (``GetStatus``), so a wrong
        address or token raises ``MaxpoolError`` here rather than on the first ``next()``.
        """
        request = telemetry_pb2.WatchEventsRequest(
            kinds=[_enum(telemetry_pb2.EventKind, "EVENT_KIND_", k) for k in kinds],
            accounts=[account_name(a) for a in accounts],
            queue_size=queue_size,
        )
        return EventStream(
            self,
            request,
            reconnect=reconnect,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            give_up_after=give_up_after,
        )


def connect(
    target: str,
    token: Optional[str] = None,
    *,
    tls: bool = False,
    ca_file: Optional[str] = None,
    cert_file: Optional[str] = None,
    key_file: Optional[str] = None,
    server_name: Optional[str] = None,
    timeout: Optional[float] = 30.0,
) -> Client:
    """Returns a ``Client`` for the control plane at ``target`` (``host:port``).

    Args:
        token: the server's ``control.token`` (or ``readOnlyToken``); sent as
            ``authorization: Bearer <token>`` on every call.
        tls: speak TLS, verifying the server against the system's CAs (or ``ca_file``).
        ca_file: PEM file of the CA that signed the server's certificate (implies ``tls``).
        cert_file, key_file: this client's certificate and key, for a server that requires
            client certificates (``control.tls.clientCaFile``, mutual TLS; implies ``tls``).
        server_name: the name to check the server's certificate against, when it differs from
            the host in ``target`` (for example when connecting by IP address).
        timeout: seconds each unary call may take (None: no limit).

    The connection is made on the first call; a server that is not there gives a
    ``MaxpoolError`` with code UNAVAILABLE then.
    """
    return Client(
        target,
        token,
        tls=tls,
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        server_name=server_name,
        timeout=timeout,
    )
