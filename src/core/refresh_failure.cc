#include "core/refresh_failure.h"

namespace maxpool::core {

std::string_view RefreshFailureName(RefreshFailure failure) {
  switch (failure) {
    case RefreshFailure::kNetworkBeforeSend:
      return "network_before_send";
    case RefreshFailure::kAmbiguousAfterSend:
      return "ambiguous_after_send";
    case RefreshFailure::kRetryableStatus:
      return "retryable_status";
    case RefreshFailure::kDead:
      return "dead";
  }
  return "unknown";
}

}  // namespace maxpool::core
