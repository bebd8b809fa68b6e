#include "logging/pool_event_log.h"

#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/absl_view.h"
#include "pool/account_state.h"

namespace maxpool::logging {
namespace {

std::string Describe(const pool::AccountStateChanged& e) {
  const auto state = [](pool::AccountState s) { return core::AbslView(pool::AccountStateName(s)); };
  if (e.previous == pool::AccountState::kNone) {
    return absl::StrCat("account ", e.account, " joined the pool (", state(e.current), ")");
  }
  if (e.current == pool::AccountState::kNone) {
    return absl::StrCat("account ", e.account, " left the pool");
  }
  std::string line =
      absl::StrCat("account ", e.account, ": ", state(e.previous), " -> ", state(e.current));
  if (!e.reason.empty()) absl::StrAppend(&line, " (", e.reason, ")");
  if (e.current == pool::AccountState::kNeedsLogin) {
    absl::StrAppend(&line, "; log in again with `maxpool login` or replace the key");
  }
  return line;
}

std::string Describe(const pool::Failover& e) {
  std::string line = absl::StrCat("failover: ", e.account, " failed (", e.failure_class);
  if (e.status != 0) absl::StrAppend(&line, ", ", e.status);
  absl::StrAppend(&line, "), ");
  switch (e.next) {
    case pool::FailoverNext::kRetry:
      absl::StrAppend(&line, "retrying on another account");
      break;
    case pool::FailoverNext::kHold:
      absl::StrAppend(&line, "holding the request until an account frees up");
      break;
    case pool::FailoverNext::kFail:
      absl::StrAppend(&line, "answering the client with the error");
      break;
  }
  return line;
}

std::string Describe(const pool::RefreshFinished& e) {
  std::string line = absl::StrCat("error: OAuth refresh of ", e.account, " failed");
  if (e.status != 0) absl::StrAppend(&line, " (HTTP ", e.status, ")");
  if (!e.error.empty()) absl::StrAppend(&line, ": ", e.error);
  return line;
}

std::string Describe(const pool::HoldEnded& e) {
  const std::string_view outcome = pool::HoldOutcomeName(e.outcome);
  if (e.outcome == pool::HoldOutcome::kQueueFull) {
    return "warning: hold queue full: a request was refused without waiting";
  }
  return absl::StrFormat("%shold ended after %.1fs: %s",
                         e.outcome == pool::HoldOutcome::kAdmitted ? "" : "warning: ",
                         absl::ToDoubleSeconds(e.waited), core::AbslView(outcome));
}

}  // namespace

std::optional<std::string> DescribePoolEvent(const pool::PoolEventBody& event) {
  return std::visit(
      [](const auto& body) -> std::optional<std::string> {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, pool::AccountStateChanged> ||
                      std::is_same_v<T, pool::Failover> || std::is_same_v<T, pool::HoldEnded>) {
          return Describe(body);
        } else if constexpr (std::is_same_v<T, pool::RefreshFinished>) {
          if (body.ok) return std::nullopt;
          return Describe(body);
        } else if constexpr (std::is_same_v<T, pool::HoldStarted>) {
          return absl::StrCat("holding a ", body.streaming ? "streamed" : "non-streamed",
                              " request: no account can take it now (", body.queue_depth,
                              " waiting)");
        } else {
          return std::nullopt;  // RequestFinished, DrainProgress: logged by the app itself
        }
      },
      event);
}

PoolEventLog::PoolEventLog(pool::EventBus& bus, Log log) : log_(std::move(log)) {
  pool::SubscribeOptions options;
  options.capacity = 4096;
  options.kinds = {pool::EventKind::kAccountStateChanged, pool::EventKind::kFailover,
                   pool::EventKind::kRefresh, pool::EventKind::kHoldStarted,
                   pool::EventKind::kHoldEnded};
  subscription_ = bus.Subscribe(std::move(options));
  thread_ = std::thread([this] { Run(); });
}

PoolEventLog::~PoolEventLog() {
  subscription_->Close();
  if (thread_.joinable()) thread_.join();
}

void PoolEventLog::Run() {
  while (std::optional<pool::Delivery> next = subscription_->WaitNext(absl::InfiniteDuration())) {
    if (const pool::EventGap* gap = std::get_if<pool::EventGap>(&*next)) {
      log_(absl::StrCat("warning: ", gap->dropped, " pool event(s) not logged (log behind)"));
      continue;
    }
    if (std::optional<std::string> line =
            DescribePoolEvent(std::get<pool::PoolEvent>(*next).body)) {
      log_(*line);
    }
  }
}

}  // namespace maxpool::logging
