#include "core/failure_class.h"

namespace maxpool::core {

std::string_view FailureClassName(FailureClass failure) {
  switch (failure) {
    case FailureClass::kNone:
      return "none";
    case FailureClass::kQuotaRejected:
      return "quota_rejected";
    case FailureClass::kModelRejected:
      return "model_rejected";
    case FailureClass::kRateLimited:
      return "rate_limited";
    case FailureClass::kRequestRefused:
      return "request_refused";
    case FailureClass::kOverloaded:
      return "overloaded";
    case FailureClass::kUpstream5xx:
      return "upstream_5xx";
    case FailureClass::kAuthExpired:
      return "auth_expired";
    case FailureClass::kAuthDead:
      return "auth_dead";
    case FailureClass::kBanned:
      return "banned";
    case FailureClass::kForbidden:
      return "forbidden";
    case FailureClass::kNetwork:
      return "network";
    case FailureClass::kClientError:
      return "client_error";
    case FailureClass::kLocalOverload:
      return "local_overload";
  }
  return "none";  // unreachable for valid enumerators
}

bool IsRetryable(FailureClass failure) {
  switch (failure) {
    case FailureClass::kNone:
    case FailureClass::kClientError:
    case FailureClass::kLocalOverload:
      return false;
    case FailureClass::kQuotaRejected:
    case FailureClass::kModelRejected:
    case FailureClass::kRateLimited:
    case FailureClass::kRequestRefused:
    case FailureClass::kOverloaded:
    case FailureClass::kUpstream5xx:
    case FailureClass::kAuthExpired:
    case FailureClass::kAuthDead:
    case FailureClass::kBanned:
    case FailureClass::kForbidden:
    case FailureClass::kNetwork:
      return true;
  }
  return false;  // unreachable for valid enumerators
}

}  // namespace maxpool::core
