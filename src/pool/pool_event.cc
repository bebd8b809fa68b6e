#include "pool/pool_event.h"

namespace maxpool::pool {

std::string_view FailoverNextName(FailoverNext next) {
  switch (next) {
    case FailoverNext::kRetry:
      return "retry";
    case FailoverNext::kHold:
      return "hold";
    case FailoverNext::kFail:
      return "fail";
  }
  return "fail";  // unreachable for valid enumerators
}

std::string_view HoldOutcomeName(HoldOutcome outcome) {
  switch (outcome) {
    case HoldOutcome::kAdmitted:
      return "admitted";
    case HoldOutcome::kExpired:
      return "deadline";
    case HoldOutcome::kNotRecovering:
      return "not_recovering";
    case HoldOutcome::kQueueFull:
      return "queue_full";
    case HoldOutcome::kCancelled:
      return "cancelled";
  }
  return "cancelled";  // unreachable for valid enumerators
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kRequestFinished:
      return "request_finished";
    case EventKind::kFailover:
      return "failover";
    case EventKind::kAccountStateChanged:
      return "account_state_changed";
    case EventKind::kRefresh:
      return "refresh";
    case EventKind::kHoldStarted:
      return "hold_started";
    case EventKind::kHoldEnded:
      return "hold_ended";
    case EventKind::kDrainProgress:
      return "drain_progress";
  }
  return "request_finished";  // unreachable for valid enumerators
}

std::string_view AccountOf(const PoolEventBody& body) {
  switch (KindOf(body)) {
    case EventKind::kRequestFinished:
      return std::get<RequestFinished>(body).account;
    case EventKind::kFailover:
      return std::get<Failover>(body).account;
    case EventKind::kAccountStateChanged:
      return std::get<AccountStateChanged>(body).account;
    case EventKind::kRefresh:
      return std::get<RefreshFinished>(body).account;
    case EventKind::kHoldStarted:
    case EventKind::kHoldEnded:
    case EventKind::kDrainProgress:
      return {};
  }
  return {};
}

}  // namespace maxpool::pool
