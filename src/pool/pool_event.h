#pragma once

// The typed events of the live pool (docs/architecture.md principle 2): what metrics, telemetry
// streams and logs learn about, as subscribers of the pool's EventBus (event_bus.h). Plain data,
// no protobuf; the control plane maps them onto maxpool.v1.Event (telemetry.proto) one to one.
//
// Who publishes what:
//   - the pool: Failover, AccountStateChanged (account added/removed included), RefreshFinished,
//     HoldStarted, HoldEnded;
//   - the app (through Pool::events().Publish()): RequestFinished, DrainProgress.
// The bus stamps every event with its sequence number and time (PoolEvent). No event carries a
// secret: refresh errors are redacted, credentials never appear.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/time/time.h"
#include "pool/account_state.h"
#include "pool/hold_queue.h"

namespace maxpool::pool {

// A client request finished (published by the app once its last byte was sent or it failed).
struct RequestFinished {
  std::string account;      // the account that served it; empty when none did
  std::string method;       // "POST"
  std::string target;       // path, e.g. "/v1/messages"
  int status = 0;           // HTTP status sent to the client
  absl::Duration duration;  // from arrival to the last byte
  int attempts = 0;         // upstream attempts made
  bool held = false;        // waited for capacity first
  bool truncated = false;   // the upstream stream broke off (the client got an SSE error event)
  bool client_gone = false;
  std::string failure;  // core::FailureClassName of the last attempt; "none" or empty on success
  // Token usage read from the SSE/JSON body; kUnknownTokens when not seen.
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
  // From sending the last attempt upstream to its response headers; negative when none came.
  absl::Duration upstream_ttfb = absl::Seconds(-1);
  // The proxy's own time before the first upstream send (classification, routing, refresh);
  // negative when the request was held first or never sent.
  absl::Duration before_upstream = absl::Seconds(-1);
};
inline constexpr int64_t kUnknownTokens = -1;

// What a request does after an attempt failed on an account.
enum class FailoverNext {
  kRetry,  // another account now
  kHold,   // wait for capacity
  kFail,   // answer the client with an error (or relay the upstream's)
};
// "retry", "hold", "fail".
std::string_view FailoverNextName(FailoverNext next);

// A request moved off an account after a failure (Pool::OnFailure for every failure class but
// none/client_error, and not for the refresh-and-retry of a first 401; Pool::OnRefreshFailure).
struct Failover {
  std::string account;        // the account that failed
  std::string failure_class;  // core::FailureClassName: "rate_limited", "network", "auth_dead", …
  int status = 0;             // upstream (or token endpoint) HTTP status; 0 for transport errors
  FailoverNext next = FailoverNext::kFail;
};

// An account's derived state (account_state.h) changed. An account added to the pool changes
// from kNone (reason "added"); a removed one changes to kNone (reason "removed").
struct AccountStateChanged {
  std::string account;
  AccountState previous = AccountState::kNone;
  AccountState current = AccountState::kNone;
  // Why: the cause of the new state when it is blocked ("rate_limited", "refresh_dead",
  // "disabled", "session_limit", …), else what changed it ("enabled", "credentials_renewed",
  // "block_ended" for a block whose time ran out, "added", "removed", …).
  std::string reason;
};

// An OAuth token refresh ended: ok when FreshToken() returned newly rotated tokens (once per
// rotation, however many requests waited for it); a failure when a request could not get a usable
// token (Pool::OnRefreshFailure; requests that shared one failed refresh report it once).
struct RefreshFinished {
  std::string account;
  bool ok = false;
  int status = 0;  // token endpoint HTTP status; 0 when none arrived or on success
  // Failure: "<reason> (<kind>)", e.g. "token_refresh_failed (dead)"; success: empty, or the
  // error of persisting the rotated tokens. Always redacted.
  std::string error;
};

// A request started waiting for capacity (Pool::Hold registered its ticket).
struct HoldStarted {
  uint64_t hold_id = 0;  // the queue ticket id; identifies the hold in its HoldEnded
  bool streaming = false;
  int queue_depth = 0;  // requests waiting, this one included
};

// A held request stopped waiting. A request refused by a full queue has only this event, with
// hold_id 0 and kQueueFull.
struct HoldEnded {
  uint64_t hold_id = 0;
  HoldOutcome outcome = HoldOutcome::kExpired;
  absl::Duration waited;  // on the pool's clock
};
// "admitted", "deadline" (kExpired), "not_recovering", "queue_full", "cancelled".
std::string_view HoldOutcomeName(HoldOutcome outcome);

// Drain progress (published by the app at its start, periodically and at its end).
struct DrainProgress {
  int in_flight = 0;  // client requests still being served
  int held = 0;       // of which held
  absl::Time deadline = absl::InfiniteFuture();
  bool done = false;  // the last report
};

// The alternatives are in EventKind order.
using PoolEventBody = std::variant<RequestFinished, Failover, AccountStateChanged, RefreshFinished,
                                   HoldStarted, HoldEnded, DrainProgress>;

enum class EventKind {
  kRequestFinished,
  kFailover,
  kAccountStateChanged,
  kRefresh,
  kHoldStarted,
  kHoldEnded,
  kDrainProgress,
};
inline constexpr int kEventKindCount = 7;
static_assert(std::variant_size_v<PoolEventBody> == kEventKindCount);

// "request_finished", "failover", "account_state_changed", "refresh", "hold_started",
// "hold_ended", "drain_progress".
std::string_view EventKindName(EventKind kind);

inline EventKind KindOf(const PoolEventBody& body) { return static_cast<EventKind>(body.index()); }

// The account an event is about, or empty for events about no account (holds, drain, a request
// that no account served).
std::string_view AccountOf(const PoolEventBody& body);

// One published event as subscribers see it.
struct PoolEvent {
  uint64_t sequence = 0;  // assigned by the bus: +1 per Publish(), from 1
  absl::Time at;          // the publisher's clock (the pool's injected clock) at Publish()
  PoolEventBody body;

  EventKind kind() const { return KindOf(body); }
  std::string_view account() const { return AccountOf(body); }
};

// Events lost at this point of a subscriber's stream: its queue was full, or the bus's central
// queue overflowed. Delivered in place of the lost events, before newer ones.
struct EventGap {
  uint64_t dropped = 0;
};

// What a subscriber receives.
using Delivery = std::variant<PoolEvent, EventGap>;

}  // namespace maxpool::pool
