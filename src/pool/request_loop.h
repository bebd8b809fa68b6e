#pragma once

// One request's decisions through the pool, with no I/O (spec §4, §5; docs/architecture.md "The
// walk of one request"). The exchange performs the action the loop returns and reports what
// came of it; the loop decides what happens next:
//
//   Start() ─► [kClaim ─► OnClaimed()] ─► kSend / kRefreshThenSend ─► OnRefreshed() ─► kSend ─►
//                 OnAttemptFailed() ──────────────────────────────────────────────────────────┐
//                 ▲                                                  Answered() / Cut() │
//                 └──── failover, refresh-and-retry, OnHoldEnded(kAdmitted) ◄── kHold ◄──┘
//                                            … ─► kReplyError / kRelayFailure / kEnd
//
// It owns the request's lease (released when the loop goes out of scope), the hop budget (one
// pass over the accounts per admission), the retry budget (the body fits the retry buffer), the
// refresh-and-retry pin after a 401, the network soak budget, and the hold-or-fail decision; and
// it words the proxy's own error answers. Time is the pool's injected clock. Drain is the
// exchange's (Abandon(), then its own answer). One request's: not thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/failure_class.h"
#include "core/hold_policy.h"
#include "core/request_info.h"
#include "core/router.h"
#include "credentials/token_refresher.h"
#include "pool/lease_handle.h"
#include "pool/pool.h"

namespace maxpool::pool {

// An error answer the proxy makes: status, error type, message and retry-after seconds. On a
// response already committed as an SSE stream it goes out as an error event instead.
struct ProxyError {
  unsigned status = 502;
  std::string type;
  std::string message;
  std::optional<int> retry_after;
};

// What the client has seen so far; the exchange passes it with every event.
struct ClientProgress {
  bool head_sent = false;  // a response head is out (a committed heartbeat stream included)
  bool body_sent = false;  // body bytes are out (beyond heartbeats)
};

struct RequestAction {
  enum class Kind {
    kClaim,            // cluster mode: FleetGate::Claim(grant().lease); report OnClaimed
    kSend,             // send upstream on grant(); report OnAttemptFailed / Answered / Cut
    kRefreshThenSend,  // Pool::FreshToken(grant(), refused_token) first; report OnRefreshed
    kHold,             // Pool::Hold(info(), route(), hold_until); report OnHoldEnded
    kRelayFailure,     // relay the last upstream failure as it came (status, headers, body)
    kReplyError,       // answer with `error`
    kEnd,              // nothing more to send (the client left)
  };
  Kind kind = Kind::kEnd;
  // kRefreshThenSend: the access token a 401 refused, to be replaced; absent for a plain
  // freshness check.
  std::optional<std::string> refused_token;
  // kHold: until when, and whether to commit the heartbeat stream once the ticket is queued
  // (a streaming request with nothing sent yet, §5.1 steps 5 and 7).
  absl::Time hold_until;
  bool begin_stream_when_queued = false;
  // kRelayFailure: the status relayed. kReplyError: the answer.
  unsigned relay_status = 0;
  ProxyError error;
  // kReplyError: `error.details.error_code` of the answer, when the client acts on one ("" for
  // none), e.g. "thread_unsupported_request".
  std::string error_code;
};

// The answer of a server with no account at all (a fresh sidecar, before one is added).
extern const char kNoAccountConfiguredMessage[];

class RequestLoop {
 public:
  // `body_bytes`: the request body's size, against the retry buffer (can a failed attempt be
  // sent again?).
  RequestLoop(Pool& pool, core::RequestInfo info, int64_t body_bytes);
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  // The first action.
  RequestAction Start(const ClientProgress& client);
  // The outcome of kClaim. A refused claim gives the lease back with no penalty and routes again
  // (the gate has told the pool the account is full fleet-wide): another account, or a hold.
  RequestAction OnClaimed(const FleetClaim& claim, const ClientProgress& client);
  // The outcome of kRefreshThenSend. A fresh token goes into grant()'s credential.
  RequestAction OnRefreshed(const credentials::FreshToken& fresh, const ClientProgress& client);
  // An attempt failed before anything of it reached the client: `verdict` classifies it,
  // `attempt` carries its status or transport error (its budget fields are the loop's).
  // `answer_status`: the status of the HTTP error answer that was read, which can be relayed as
  // it came; 0 when there is none (a transport error, an unasked 101).
  RequestAction OnAttemptFailed(const core::ResponseVerdict& verdict, core::AttemptContext attempt,
                                unsigned answer_status, const ClientProgress& client);
  // The outcome of kHold.
  RequestAction OnHoldEnded(const HoldResult& held, const ClientProgress& client);
  // The client left during a wait: the lease (if any) is abandoned. Returns kEnd.
  RequestAction OnClientGone();

  // The attempt's answer went to the client (any status the loop did not fail): the lease is
  // released as a success.
  void Answered(unsigned status);
  // A relayed answer broke after bytes reached the client: the account is charged a network
  // failure (no failover is possible); the lease is released.
  void Cut(std::string transport_error);
  // Abandons the lease (the drain, an internal error after the answer settled).
  void Abandon() { lease_.Abandon(); }

  // The current attempt's grant: account, credential, kind. REQUIRES: a kSend or
  // kRefreshThenSend action was returned and not yet reported.
  const Grant& grant() const { return *grant_; }
  bool holds_lease() const { return lease_.held(); }
  const core::RequestInfo& info() const { return info_; }
  core::RouteState& route() { return route_; }

  // For the request's summary and log.
  int attempts() const { return attempts_; }
  bool held() const { return held_; }
  bool client_gone() const { return client_gone_; }
  // The last account tried, "(none available)" when the last routing found none, "" before.
  const std::string& account_label() const { return account_label_; }
  // The last account that was sent the request ("" before the first).
  const std::string& last_account() const { return last_account_; }
  // The class of the last attempt's failure; kNone when it was answered (or never sent).
  core::FailureClass last_failure() const { return last_failure_; }

 private:
  RequestAction Next(const ClientProgress& client);
  // After the lease is the request's (and claimed fleet-wide in cluster mode): the token check or
  // the send.
  RequestAction Granted();
  RequestAction AfterFailure(const core::FailureAction& action, unsigned answer_status,
                             const ClientProgress& client);
  RequestAction HoldOrFail(core::HoldCause cause, core::FallbackReply reply, unsigned answer_status,
                           const ClientProgress& client);
  RequestAction Fail(core::FallbackReply reply, const core::RetryPlan& plan, bool recovering,
                     unsigned answer_status);
  ProxyError FallbackError(core::FallbackReply reply, const core::RetryPlan& plan, bool recovering,
                           unsigned answer_status);
  core::AttemptContext Budget(core::AttemptContext attempt, const ClientProgress& client) const;

  Pool& pool_;
  const core::RequestInfo info_;
  const bool can_retry_;
  const int max_attempts_;
  core::RouteState route_;
  std::optional<Grant> grant_;
  LeaseHandle lease_;
  int hops_ = 0;
  int refused_claims_ = 0;  // in a row, since the last claim granted
  int attempts_ = 0;
  bool held_ = false;
  bool client_gone_ = false;
  std::optional<absl::Time> queue_started_at_;
  std::optional<absl::Time> network_soak_deadline_;
  std::optional<std::string> refused_token_;  // the access token a 401 refused, to replace
  std::string last_transport_error_;
  std::string account_label_;
  std::string last_account_;
  core::FailureClass last_failure_ = core::FailureClass::kNone;
  // What a hold in progress falls back to when it ends without admission.
  core::HoldCause hold_cause_ = core::HoldCause::kQuota;
  core::FallbackReply hold_reply_ = core::FallbackReply::kNoAccount429;
  unsigned hold_answer_status_ = 0;
};

}  // namespace maxpool::pool
