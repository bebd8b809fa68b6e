// @maxpool/client: typed clients of maxpool's gRPC control plane (`maxpool.v1`), over the gRPC
// protocol on HTTP/2, with the bearer token on every call, errors a person can act on, and an
// event stream that reconnects by itself.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { Duration, FieldMask } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type CallOptions,
  type Client,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

import { AccountService } from "./gen/maxpool/v1/accounts_connect.js";
import { Account } from "./gen/maxpool/v1/accounts_pb.js";
import { LifecycleService } from "./gen/maxpool/v1/lifecycle_connect.js";
import type { DrainResponse, GetStatusResponse } from "./gen/maxpool/v1/lifecycle_pb.js";
import { RoutingService } from "./gen/maxpool/v1/routing_connect.js";
import { RoutingMode, RoutingPolicy } from "./gen/maxpool/v1/routing_pb.js";
import { TelemetryService } from "./gen/maxpool/v1/telemetry_connect.js";
import type { Event, EventKind, PoolSnapshot } from "./gen/maxpool/v1/telemetry_pb.js";

export * from "./gen/maxpool/v1/accounts_pb.js";
export * from "./gen/maxpool/v1/config_pb.js";
export * from "./gen/maxpool/v1/lifecycle_pb.js";
export * from "./gen/maxpool/v1/routing_pb.js";
export * from "./gen/maxpool/v1/telemetry_pb.js";
export { AccountService, LifecycleService, RoutingService, TelemetryService };
export { Code, ConnectError };

/** TLS for the control plane. PEM contents (not paths); see `tlsFromFiles` for paths. */
export interface TlsOptions {
  /** CA bundle that the server's certificate must chain to. Default: Node's built-in roots. */
  ca?: string | Buffer;
  /** Client certificate chain, for mutual TLS (`control.tls.clientCaFile` on the server). */
  cert?: string | Buffer;
  /** Private key of `cert`. */
  key?: string | Buffer;
  /** Name to send (SNI) and to check the server's certificate against. Default: the host. */
  serverName?: string;
}

export interface ConnectOptions {
  /** `host:port` of the control plane (`[::1]:3457` for IPv6); `http://` or `https://` may lead. */
  target: string;
  /** The control token (or the read-only one): sent as `authorization: Bearer <token>`. */
  token?: string;
  /** TLS: `true` for the built-in roots, or the files' contents. Absent = plaintext. */
  tls?: TlsOptions | boolean;
  /** Deadline of each unary call made by the helpers below, in ms. Default 30000. */
  callTimeoutMs?: number;
}

/** One item of `events()`: an event, or a place where events were lost. */
export type WatchItem =
  | { kind: "event"; event: Event }
  | {
      kind: "gap";
      /**
       * "behind": the server dropped events because this subscriber read too slowly (an
       * `EventGap` of the stream). "disconnected": the stream broke (or could not be opened) and
       * is being opened again; events of the meantime are lost.
       */
      reason: "behind" | "disconnected";
      /** How many events were lost, when the server knows ("behind"); undefined otherwise. */
      dropped?: bigint;
      /** Why the stream broke ("disconnected"); undefined when the server ended it cleanly. */
      error?: MaxpoolError;
      /** When the next attempt starts ("disconnected"), in ms. */
      retryInMs?: number;
    };

export interface WatchOptions {
  /** Only these kinds; empty = all. */
  kinds?: EventKind[];
  /** Only events about these accounts (`name` or `accounts/name`); empty = all. */
  accounts?: string[];
  /** The server-side queue of this subscriber, 16..65536. Default (0) 1024. */
  queueSize?: number;
  /** Stops the stream (the iterator then ends). Breaking out of `for await` stops it too. */
  signal?: AbortSignal;
  /** Reopen the stream when it breaks. Default true; false throws the break instead. */
  reconnect?: boolean;
  /** First wait before reopening, in ms; it doubles up to `maxBackoffMs`. Default 250. */
  initialBackoffMs?: number;
  /** Longest wait before reopening, in ms. Default 10000. */
  maxBackoffMs?: number;
  /** Failed attempts in a row before the iterator throws the last error. Default: no limit. */
  maxAttempts?: number;
  /** Called each time the stream is open (the server answered), at the start and after a gap. */
  onConnected?: () => void;
}

/** The four services, typed, and the calls most scripts need. */
export interface MaxpoolClient {
  /** `host:port` as given, for messages. */
  readonly target: string;
  readonly accounts: Client<typeof AccountService>;
  readonly routing: Client<typeof RoutingService>;
  readonly lifecycle: Client<typeof LifecycleService>;
  readonly telemetry: Client<typeof TelemetryService>;

  /** Every account, all pages, in pool order. */
  listAccounts(): Promise<Account[]>;
  getAccount(id: string): Promise<Account>;
  /** Adds an API key account. `settings`: display name, priority, enabled, usage cap. */
  createApiKeyAccount(id: string, apiKey: string, settings?: AccountSettings): Promise<Account>;
  /** Turns routing to an account on or off; its requests in flight carry on. */
  setAccountEnabled(id: string, enabled: boolean): Promise<Account>;
  /** FAILED_PRECONDITION while requests are in flight on it, unless `force`. */
  deleteAccount(id: string, force?: boolean): Promise<number>;
  getRoutingPolicy(): Promise<RoutingPolicy>;
  /** Sends every new request to `id` while it can serve (ROUTING_MODE_PREFERRED). */
  preferAccount(id: string): Promise<RoutingPolicy>;
  /** Back to ROUTING_MODE_AUTOMATIC. */
  useAutomaticRouting(): Promise<RoutingPolicy>;
  poolSnapshot(): Promise<PoolSnapshot>;
  status(): Promise<GetStatusResponse>;
  /** Starts a graceful drain; the server exits 0 when it ends. */
  drain(options?: { deadlineMs?: number; acceptGraceMs?: number }): Promise<DrainResponse>;
  /** Resolves once the account has no request in flight (pool snapshots every `pollMs`). */
  waitAccountIdle(
    id: string,
    options?: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal },
  ): Promise<void>;
  /** The event stream; see `WatchItem` and `WatchOptions`. */
  events(options?: WatchOptions): AsyncGenerator<WatchItem, void, undefined>;
  /** Closes the HTTP/2 connection. Optional: an idle connection does not keep Node running. */
  close(): void;
}

export interface AccountSettings {
  displayName?: string;
  priority?: number;
  enabled?: boolean;
  usageCap?: number;
}

/**
 * An error of the control plane, with `code` and a message that says where and what to do:
 * "maxpool control plane at HOST:PORT: UNAUTHENTICATED: ... (check the token)". It is a
 * ConnectError too (`name` stays "ConnectError", as connect's `instanceof` check wants).
 */
export class MaxpoolError extends ConnectError {
  /** The control plane's `host:port`. */
  readonly target: string;

  // ConnectError's own check accepts any ConnectError; this one wants a real MaxpoolError.
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && MaxpoolError.prototype.isPrototypeOf(value);
  }

  /**
   * `secure` tells whether the call used TLS, for the hint about a connection the server
   * closed; undefined when unknown.
   */
  constructor(target: string, error: ConnectError, secure?: boolean) {
    super(error.rawMessage, error.code, error.metadata, undefined, error.cause ?? error);
    this.target = target;
    this.details = error.details;
    const what = `${codeName(error.code)}: ${error.rawMessage.trim()}`;
    this.message = `maxpool control plane at ${target}: ${what}${hint(error.code, error.rawMessage, secure)}`;
  }
}

/** `grpc.StatusCode` names (UNAUTHENTICATED, ...) of connect's `Code`. */
export function codeName(code: Code): string {
  return (Code[code] ?? `CODE_${code}`).replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

function hint(code: Code, raw: string, secure?: boolean): string {
  if (/certificate|altnames|self.signed|wrong version number|ssl|tls/i.test(raw)) {
    return " (TLS: check the CA, the server name, and that the control plane has TLS on)";
  }
  if (code === Code.Canceled && /stream closed with error code CANCEL|ECONNRESET|socket hang up/.test(raw)) {
    // The server dropped the connection before answering: most often a TLS mismatch.
    if (secure === false) return " (the server closed the connection: does it use TLS? then pass tls)";
    if (secure === true) return " (the server closed the connection: does it want a client certificate (mTLS)?)";
  }
  switch (code) {
    case Code.Unauthenticated:
      return " (check the token)";
    case Code.PermissionDenied:
      return " (a read-only token cannot change anything; use the control token)";
    case Code.Unavailable:
      return " (is the server running, and is this its control port?)";
    default:
      return "";
  }
}

/** Turns anything thrown by a call into a MaxpoolError. */
export function explainError(error: unknown, target: string, secure?: boolean): MaxpoolError {
  if (error instanceof MaxpoolError) return error;
  return new MaxpoolError(target, ConnectError.from(error), secure);
}

/** `accounts/{id}` for `id` or `accounts/id`. */
export function accountName(id: string): string {
  return id.startsWith("accounts/") ? id : `accounts/${id}`;
}

/** The id of `accounts/{id}`. */
export function accountId(name: string): string {
  return name.startsWith("accounts/") ? name.slice("accounts/".length) : name;
}

/** A protobuf Duration of `ms` milliseconds. */
export function durationFromMs(ms: number): Duration {
  const whole = Math.floor(ms / 1000);
  return new Duration({ seconds: BigInt(whole), nanos: Math.round((ms - whole * 1000) * 1e6) });
}

/** Reads PEM files for `ConnectOptions.tls`. */
export function tlsFromFiles(files: {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}): TlsOptions {
  return {
    ca: files.caFile ? readFileSync(files.caFile) : undefined,
    cert: files.certFile ? readFileSync(files.certFile) : undefined,
    key: files.keyFile ? readFileSync(files.keyFile) : undefined,
    serverName: files.serverName,
  };
}

/**
 * Options from the environment, as maxpool's own commands read them: MAXPOOL_CONTROL
 * (host:port, default 127.0.0.1:3457), MAXPOOL_CONTROL_TOKEN (or MAXPOOL_CONTROL_TOKEN_FILE),
 * and for TLS MAXPOOL_CONTROL_CA, MAXPOOL_CONTROL_CERT, MAXPOOL_CONTROL_KEY (PEM file paths)
 * and MAXPOOL_CONTROL_SERVER_NAME. `target` overrides MAXPOOL_CONTROL.
 */
export function optionsFromEnv(target?: string, env: NodeJS.ProcessEnv = process.env): ConnectOptions {
  let token = env.MAXPOOL_CONTROL_TOKEN;
  if (!token && env.MAXPOOL_CONTROL_TOKEN_FILE) {
    token = readFileSync(env.MAXPOOL_CONTROL_TOKEN_FILE, "utf8").trim();
  }
  const tlsWanted = Boolean(
    env.MAXPOOL_CONTROL_CA || env.MAXPOOL_CONTROL_CERT || env.MAXPOOL_CONTROL_SERVER_NAME,
  );
  return {
    target: target || env.MAXPOOL_CONTROL || "127.0.0.1:3457",
    token: token || undefined,
    tls: tlsWanted
      ? tlsFromFiles({
          caFile: env.MAXPOOL_CONTROL_CA,
          certFile: env.MAXPOOL_CONTROL_CERT,
          keyFile: env.MAXPOOL_CONTROL_KEY,
          serverName: env.MAXPOOL_CONTROL_SERVER_NAME,
        })
      : undefined,
  };
}

function authInterceptor(token: string): Interceptor {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

async function* explainStream<T>(messages: AsyncIterable<T>, target: string, secure?: boolean): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw explainError(error, target, secure);
  }
}

/** `host:port` and the base URL of a target. */
function parseTarget(target: string, tls: boolean): { hostPort: string; baseUrl: string } {
  const m = /^(https?):\/\/(.*?)\/*$/.exec(target);
  const hostPort = m ? m[2] : target;
  const scheme = m ? m[1] : tls ? "https" : "http";
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):\d+$/.test(hostPort)) {
    throw new Error(`maxpool control plane: bad target "${target}" (want host:port, e.g. 127.0.0.1:3457)`);
  }
  return { hostPort, baseUrl: `${scheme}://${hostPort}` };
}

/**
 * Connects to a control plane. Nothing is sent until the first call; a connection problem
 * shows up there, as a MaxpoolError with code UNAVAILABLE.
 */
export function connect(options: ConnectOptions): MaxpoolClient {
  const tlsOptions: TlsOptions | undefined =
    options.tls === true ? {} : options.tls === false ? undefined : options.tls;
  const { hostPort, baseUrl } = parseTarget(options.target, tlsOptions !== undefined);
  const secure = baseUrl.startsWith("https:");
  const sessionManager = new Http2SessionManager(
    baseUrl,
    { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 60_000 },
    secure
      ? {
          ca: tlsOptions?.ca,
          cert: tlsOptions?.cert,
          key: tlsOptions?.key,
          servername: tlsOptions?.serverName,
        }
      : {},
  );
  const transport = createGrpcTransport({
    baseUrl,
    httpVersion: "2",
    sessionManager,
    interceptors: options.token ? [authInterceptor(options.token)] : [],
  });
  return clientFromTransport(transport, {
    target: hostPort,
    callTimeoutMs: options.callTimeoutMs,
    secure,
    close: () => sessionManager.abort(),
  });
}

/**
 * The same client over any connect Transport (for tests: `createRouterTransport`). The
 * transport must add the token itself.
 */
export function clientFromTransport(
  transport: Transport,
  options: { target: string; callTimeoutMs?: number; secure?: boolean; close?: () => void },
): MaxpoolClient {
  const target = options.target;
  // Every error of every call, unary or streaming, becomes a MaxpoolError.
  const explained: Transport = {
    unary: (service, method, signal, timeoutMs, header, message, contextValues) =>
      transport
        .unary(service, method, signal, timeoutMs, header, message, contextValues)
        .catch((error: unknown) => Promise.reject(explainError(error, target, options.secure))),
    stream: (service, method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(service, method, signal, timeoutMs, header, input, contextValues).then(
        (res) => ({ ...res, message: explainStream(res.message, target, options.secure) }),
        (error: unknown) => Promise.reject(explainError(error, target, options.secure)),
      ),
  };
  const accounts = createClient(AccountService, explained);
  const routing = createClient(RoutingService, explained);
  const lifecycle = createClient(LifecycleService, explained);
  const telemetry = createClient(TelemetryService, explained);
  const unary = (): CallOptions => ({ timeoutMs: options.callTimeoutMs ?? 30_000 });

  const client: MaxpoolClient = {
    target,
    accounts,
    routing,
    lifecycle,
    telemetry,

    async listAccounts() {
      const all: Account[] = [];
      let pageToken = "";
      do {
        const page = await accounts.listAccounts({ pageSize: 1000, pageToken }, unary());
        all.push(...page.accounts);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return all;
    },

    getAccount: (id) => accounts.getAccount({ name: accountName(id) }, unary()),

    createApiKeyAccount: (id, apiKey, settings = {}) =>
      accounts.createAccount(
        {
          accountId: accountId(id),
          account: new Account({ ...settings }),
          credential: { case: "apiKey", value: { apiKey } },
        },
        unary(),
      ),

    setAccountEnabled: (id, enabled) =>
      accounts.updateAccount(
        {
          account: { name: accountName(id), enabled },
          updateMask: new FieldMask({ paths: ["enabled"] }),
        },
        unary(),
      ),

    async deleteAccount(id, force = false) {
      const res = await accounts.deleteAccount({ name: accountName(id), force }, unary());
      return res.inFlight;
    },

    getRoutingPolicy: () => routing.getRoutingPolicy({}, unary()),

    preferAccount: (id) =>
      routing.updateRoutingPolicy(
        {
          policy: { preferredAccount: accountName(id), mode: RoutingMode.PREFERRED },
          updateMask: new FieldMask({ paths: ["preferred_account", "mode"] }),
        },
        unary(),
      ),

    useAutomaticRouting: () =>
      routing.updateRoutingPolicy(
        { policy: { mode: RoutingMode.AUTOMATIC }, updateMask: new FieldMask({ paths: ["mode"] }) },
        unary(),
      ),

    poolSnapshot: () => telemetry.getPoolSnapshot({}, unary()),

    status: () => lifecycle.getStatus({}, unary()),

    drain: (opts = {}) =>
      lifecycle.drain(
        {
          deadline: opts.deadlineMs !== undefined ? durationFromMs(opts.deadlineMs) : undefined,
          acceptGrace: opts.acceptGraceMs !== undefined ? durationFromMs(opts.acceptGraceMs) : undefined,
        },
        unary(),
      ),

    async waitAccountIdle(id, opts = {}) {
      const name = accountName(id);
      const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
      for (;;) {
        const snap = await telemetry.getPoolSnapshot({}, unary());
        const acct = snap.accounts.find((a) => a.account === name);
        if (!acct) throw new Error(`maxpool control plane at ${target}: no account ${name} in the pool`);
        if (acct.inFlight === 0) return;
        if (Date.now() >= deadline) {
          throw new Error(
            `maxpool control plane at ${target}: ${name} still has ${acct.inFlight} request(s) in flight`,
          );
        }
        await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal });
      }
    },

    events: (opts = {}) => watchEvents(client, opts),

    close: () => options.close?.(),
  };
  return client;
}

/** Codes after which reopening the stream cannot help: the iterator throws them. */
const FATAL = new Set<Code>([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.InvalidArgument,
  Code.Unimplemented,
  Code.NotFound,
  Code.FailedPrecondition,
  Code.OutOfRange,
]);

async function* watchEvents(client: MaxpoolClient, opts: WatchOptions): AsyncGenerator<WatchItem, void, undefined> {
  const initial = opts.initialBackoffMs ?? 250;
  const max = opts.maxBackoffMs ?? 10_000;
  const request = {
    kinds: opts.kinds ?? [],
    accounts: (opts.accounts ?? []).map(accountName),
    queueSize: opts.queueSize ?? 0,
  };
  let backoff = initial;
  let failures = 0;
  const connected = () => {
    backoff = initial;
    failures = 0;
  };
  const opened = () => {
    connected();
    opts.onConnected?.();
  };
  for (;;) {
    if (opts.signal?.aborted) return;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opts.signal?.addEventListener("abort", onAbort);
    let error: MaxpoolError | undefined;
    try {
      const stream = client.telemetry.watchEvents(request, { signal: stop.signal, onHeader: opened });
      for await (const res of stream) {
        connected();
        if (res.item.case === "event") {
          yield { kind: "event", event: res.item.value };
        } else if (res.item.case === "gap") {
          yield { kind: "gap", reason: "behind", dropped: res.item.value.dropped };
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      error = explainError(e, client.target);
      if (FATAL.has(error.code) || opts.reconnect === false) throw error;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      stop.abort();
    }
    if (opts.signal?.aborted) return;
    if (opts.reconnect === false) return;
    failures++;
    if (opts.maxAttempts !== undefined && failures > opts.maxAttempts) {
      throw error ?? new MaxpoolError(client.target, new ConnectError("the event stream keeps ending", Code.Unavailable));
    }
    // Jitter over the upper half of the backoff, so that many watchers do not come back in step.
    const delay = Math.round(backoff / 2 + (Math.random() * backoff) / 2);
    backoff = Math.min(backoff * 2, max);
    yield { kind: "gap", reason: "disconnected", error, retryInMs: delay };
    try {
      await sleep(delay, undefined, { signal: opts.signal });
    } catch {
      return; // aborted
    }
  }
}
