#include "core/quota_windows.h"

namespace maxpool::core {

std::string_view QuotaWindowName(QuotaWindowKind kind) {
  switch (kind) {
    case QuotaWindowKind::kFiveHour:
      return "5h";
    case QuotaWindowKind::kSevenDay:
      return "7d";
    case QuotaWindowKind::kTokens:
      return "tokens";
    case QuotaWindowKind::kRequests:
      return "requests";
    case QuotaWindowKind::kProviderSession:
      return "provider_session";
    case QuotaWindowKind::kProviderWeek:
      return "provider_week";
  }
  return "unknown";
}

std::vector<QuotaWindow> QuotaWindowsOf(const QuotaReading& q) {
  std::vector<QuotaWindow> out;
  if (q.unified_5h) {
    out.push_back({QuotaWindowKind::kFiveHour, q.unified_5h_raw.value_or(*q.unified_5h),
                   q.unified_5h_reset, std::nullopt, std::nullopt});
  }
  if (q.unified_7d) {
    out.push_back({QuotaWindowKind::kSevenDay, q.unified_7d_raw.value_or(*q.unified_7d),
                   q.unified_7d_reset, std::nullopt, std::nullopt});
  }
  const auto limit_window = [&out, &q](QuotaWindowKind kind, const std::optional<int64_t>& limit,
                                       const std::optional<int64_t>& remaining) {
    if (!limit || *limit <= 0) return;
    const int64_t left = remaining.value_or(*limit);
    out.push_back({kind, 1.0 - static_cast<double>(left) / static_cast<double>(*limit), q.resets_at,
                   *limit, left});
  };
  limit_window(QuotaWindowKind::kTokens, q.tokens_limit, q.tokens_remaining);
  limit_window(QuotaWindowKind::kRequests, q.requests_limit, q.requests_remaining);
  if (q.provider_ses) {
    out.push_back({QuotaWindowKind::kProviderSession, *q.provider_ses, q.provider_ses_reset,
                   std::nullopt, std::nullopt});
  }
  if (q.provider_wk) {
    out.push_back({QuotaWindowKind::kProviderWeek, *q.provider_wk, q.provider_wk_reset,
                   std::nullopt, std::nullopt});
  }
  return out;
}

}  // namespace maxpool::core
