#pragma once

// The thread gate (spec §12.4). Newer Claude Code may send `thread: {type: "continue",
// previous_message_id}` with only the tail of the conversation: the rest lives in a server-side
// thread of the account that served the earlier turns. Sent to another account, such a turn
// would run without its history. After routing has chosen an account (routing is not
// influenced), the gate refuses a `continue` turn, without contacting the upstream, when the
// account is a provider's (always), or when the session's threaded turns were served by another
// account or by none that the gate knows of; the client then resends the turn with the whole
// transcript. After two refusals since the session's last forwarded threaded turn the gate
// fails open and forwards, so a client that cannot resend is never stuck. A forwarded
// create/continue turn makes the serving account the session's owner and clears its refusals.
// Requests without a session key are tracked per account under a key of their own, with no owner
// ever recorded: they alternate refuse, refuse, forward. The 500 most recently used sessions are
// kept.
//
// Thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/request_info.h"

namespace maxpool::pool {

class ThreadGate {
 public:
  static constexpr size_t kDefaultCapacity = 500;
  static constexpr int kRefusalsBeforeForwarding = 2;

  explicit ThreadGate(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Whether the turn `intent` of `session_key` ("" when none), routed to `account`, is refused;
  // when it is not and it is threaded, `account` becomes the session's owner.
  bool Refuse(std::string_view session_key, std::string_view account, bool provider,
              core::ThreadIntent intent);

  size_t sessions() const;

 private:
  struct Entry {
    std::string owner;  // "" when none is recorded
    int refusals = 0;   // since the last forwarded threaded turn
    uint64_t used = 0;  // for least-recently-used eviction
  };
  Entry& Touch(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 0;
};

// The error code the client acts on (`error.details.error_code` of the 400): it resends the turn
// statelessly and stops threading for that agent and model.
inline constexpr std::string_view kThreadUnsupportedErrorCode = "thread_unsupported_request";

}  // namespace maxpool::pool
