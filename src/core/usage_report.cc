#include "core/usage_report.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "core/absl_view.h"
#include "core/model_family.h"
#include "core/quota_headers.h"
#include "core/retry_after.h"

namespace maxpool::core {
namespace {

namespace json = boost::json;

constexpr absl::Duration kZaiSessionHorizon = absl::Hours(12);

const json::value* Field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(json::string_view(key.data(), key.size()));
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

std::optional<double> NumberOf(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  double n = 0;
  if (v->is_double()) {
    n = v->get_double();
  } else if (v->is_int64()) {
    n = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    n = static_cast<double>(v->get_uint64());
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(n)) return std::nullopt;
  return n;
}

std::string_view TextOf(const json::value* v) {
  if (v == nullptr) return {};
  if (const json::string* s = v->if_string()) return std::string_view(s->data(), s->size());
  return {};
}

// Epoch seconds below 1e12, else epoch milliseconds.
std::optional<absl::Time> EpochTime(double n) {
  constexpr double kMaxMillis = 8.64e15;
  const double ms = n < 1e12 ? n * 1000 : n;
  if (ms <= 0 || ms > kMaxMillis) return std::nullopt;
  return absl::UnixEpoch() + absl::Milliseconds(std::llround(ms));
}

// A usage reset: a number or a numeric string is epoch seconds (< 1e12) or milliseconds, any
// other string an ISO-8601 date.
std::optional<absl::Time> UsageReset(const json::value* v) {
  if (std::optional<double> n = NumberOf(v)) return EpochTime(*n);
  const std::string_view text = TextOf(v);
  if (text.empty()) return std::nullopt;
  double n = 0;
  if (absl::SimpleAtod(AbslView(text), &n)) {
    if (!std::isfinite(n)) return std::nullopt;
    return EpochTime(n);
  }
  // A date-only or offset-carrying date; ParseReset's numeric branch is not reached here.
  return ParseReset(text, absl::UnixEpoch());
}

UsageWindow WindowOfPercent(double percent, std::optional<absl::Time> reset) {
  UsageWindow w;
  w.raw = percent / 100.0;
  w.utilization = std::clamp(w.raw, 0.0, 1.0);
  w.reset = reset;
  return w;
}

std::optional<absl::Time> ResetField(const json::object& o) {
  for (std::string_view key : {"resets_at", "resetsAt", "reset_at", "resetAt"}) {
    if (const json::value* v = Field(o, key)) return UsageReset(v);
  }
  return std::nullopt;
}

absl::StatusOr<json::object> ParseObject(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(AbslView(what), " is not JSON: ", ec.message()));
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(AbslView(what), " is not a JSON object"));
  }
  return std::move(root.as_object());
}

void ReadLimits(const json::array& limits, UsageReport& report) {
  report.scoped_known = true;
  for (const json::value& entry : limits) {
    const json::object* o = entry.if_object();
    if (o == nullptr) continue;
    const std::optional<double> percent = NumberOf(Field(*o, "percent"));
    if (!percent) continue;
    const UsageWindow window = WindowOfPercent(*percent, ResetField(*o));
    const std::string_view kind = TextOf(Field(*o, "kind"));
    if (kind == "session") {
      report.session = window;
    } else if (kind == "weekly_all") {
      report.weekly = window;
    } else if (kind == "weekly_scoped") {
      const json::value* scope = Field(*o, "scope");
      const json::value* model =
          scope && scope->is_object() ? Field(scope->get_object(), "model") : nullptr;
      const std::string_view name =
          model && model->is_object() ? TextOf(Field(model->get_object(), "display_name")) : "";
      const ModelFamily family = ModelFamilyOf(name);
      if (family == ModelFamily::kNone) continue;
      ScopedWeekly scoped;
      scoped.utilization = window.utilization;
      scoped.reset_at = window.reset;
      scoped.severity = std::string(TextOf(Field(*o, "severity")));
      const json::value* active = Field(*o, "is_active");
      scoped.is_active = !(active != nullptr && active->is_bool() && !active->get_bool());
      report.scoped[FamilyIndex(family)] = std::move(scoped);
    }
  }
}

std::optional<UsageWindow> LegacyBucket(const json::object& root, std::string_view key) {
  const json::value* bucket = Field(root, key);
  if (bucket == nullptr || !bucket->is_object()) return std::nullopt;
  const json::object& o = bucket->get_object();
  for (std::string_view value : {"utilization", "used_percentage", "usedPercentage"}) {
    if (std::optional<double> percent = NumberOf(Field(o, value))) {
      return WindowOfPercent(*percent, ResetField(o));
    }
  }
  return std::nullopt;
}

void KeepHigher(std::optional<UsageWindow>& slot, const UsageWindow& window) {
  if (!slot || window.utilization > slot->utilization) slot = window;
}

void ApplyWindow(const UsageWindow& w, std::optional<double>& value, std::optional<double>& raw,
                 std::optional<absl::Time>& reset) {
  value = w.utilization;
  raw = w.raw;
  reset = w.reset;
}

}  // namespace

absl::StatusOr<UsageReport> ParseOAuthUsage(std::string_view body) {
  absl::StatusOr<json::object> root = ParseObject(body, "the usage body");
  if (!root.ok()) return root.status();
  UsageReport report;
  const json::value* limits = Field(*root, "limits");
  if (limits != nullptr && limits->is_array()) {
    ReadLimits(limits->get_array(), report);
  } else {
    report.session = LegacyBucket(*root, "five_hour");
    report.weekly = LegacyBucket(*root, "seven_day");
  }
  report.weekly_absent = !report.weekly.has_value();
  return report;
}

absl::StatusOr<UsageReport> ParseZaiUsage(std::string_view body, absl::Time now) {
  absl::StatusOr<json::object> root = ParseObject(body, "the z.ai quota body");
  if (!root.ok()) return root.status();
  const std::optional<double> code = NumberOf(Field(*root, "code"));
  const json::value* data = Field(*root, "data");
  if (!code || *code != 200 || data == nullptr || !data->is_object()) {
    return absl::InvalidArgumentError("the z.ai quota body has no {\"code\":200,\"data\":{…}}");
  }
  UsageReport report;
  const json::value* limits = Field(data->get_object(), "limits");
  if (limits != nullptr && limits->is_array()) {
    for (const json::value& entry : limits->get_array()) {
      const json::object* o = entry.if_object();
      if (o == nullptr) continue;
      const std::string_view type = TextOf(Field(*o, "type"));
      const bool tokens = type == "TOKENS_LIMIT";
      if (!tokens && type != "CREDIT_LIMIT") continue;
      const std::optional<double> percent = NumberOf(Field(*o, "percentage"));
      if (!percent) continue;
      std::optional<absl::Time> reset;
      if (std::optional<double> ms = NumberOf(Field(*o, "nextResetTime")); ms && *ms > 0) {
        reset = EpochTime(*ms < 1e12 ? *ms / 1000 : *ms);
      }
      const UsageWindow window = WindowOfPercent(*percent, reset);
      const std::optional<double> unit = NumberOf(Field(*o, "unit"));
      if (unit && *unit == 3) {
        KeepHigher(report.session, window);
      } else if (unit && *unit == 6) {
        KeepHigher(report.weekly, window);
      } else if (tokens) {
        const bool soon = !reset || *reset - now <= kZaiSessionHorizon;
        KeepHigher(soon ? report.session : report.weekly, window);
      }
    }
  }
  report.weekly_absent = !report.weekly.has_value();
  return report;
}

void ApplyOAuthUsage(QuotaReading& quota, const UsageReport& report, absl::Time now) {
  if (report.session) {
    ApplyWindow(*report.session, quota.unified_5h, quota.unified_5h_raw, quota.unified_5h_reset);
  }
  if (report.weekly) {
    ApplyWindow(*report.weekly, quota.unified_7d, quota.unified_7d_raw, quota.unified_7d_reset);
  }
  if (report.scoped_known) MergeProbedScopedWeekly(quota, report.scoped, now);
  quota.weekly_absent = report.weekly_absent;
  quota.last_probe_ok_at = now;
}

void ApplyProviderUsage(QuotaReading& quota, const UsageReport& report, absl::Time now) {
  if (report.session) {
    quota.provider_ses = report.session->utilization;
    quota.provider_ses_reset = report.session->reset;
  }
  if (report.weekly) {
    quota.provider_wk = report.weekly->utilization;
    quota.provider_wk_reset = report.weekly->reset;
  } else {
    quota.provider_wk.reset();
    quota.provider_wk_reset.reset();
  }
  quota.weekly_absent = report.weekly_absent;
  quota.last_probe_ok_at = now;
}

}  // namespace maxpool::core
