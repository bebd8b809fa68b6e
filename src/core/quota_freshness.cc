#include "core/quota_freshness.h"

#include <algorithm>

namespace maxpool::core {

std::optional<absl::Time> QuotaReadAt(const QuotaReading& quota) {
  if (quota.last_probe_ok_at && quota.last_header_quota_at) {
    return std::max(*quota.last_probe_ok_at, *quota.last_header_quota_at);
  }
  return quota.last_probe_ok_at ? quota.last_probe_ok_at : quota.last_header_quota_at;
}

absl::Duration QuotaStaleAfter(absl::Duration probe_interval) {
  return std::max(3 * probe_interval, absl::Seconds(180));
}

bool QuotaStale(const QuotaReading& quota, absl::Time now, absl::Duration probe_interval) {
  const std::optional<absl::Time> read = QuotaReadAt(quota);
  return read && now - *read > QuotaStaleAfter(probe_interval);
}

bool QuotaFreshFromTraffic(const QuotaReading& quota, absl::Time now, absl::Duration within) {
  return quota.last_header_quota_at && now - *quota.last_header_quota_at < within;
}

}  // namespace maxpool::core
