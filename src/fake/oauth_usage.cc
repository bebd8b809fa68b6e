#include "fake/oauth_usage.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "boost/json/serialize.hpp"
#include "core/absl_view.h"
#include "core/model_family.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

int Percent(double utilization) {
  return static_cast<int>(std::floor(std::max(0.0, utilization) * 100.0 + 1e-6));
}

std::string_view Severity(int percent) {
  if (percent >= 90) return "critical";
  if (percent >= 75) return "warning";
  return "normal";
}

boost::json::string_view J(std::string_view s) { return {s.data(), s.size()}; }

boost::json::object Bucket(double utilization, absl::Time reset) {
  return {{"utilization", std::round(utilization * 10000.0) / 100.0},
          {"resets_at", FormatUsageTime(reset)},
          {"limit_dollars", nullptr},
          {"used_dollars", nullptr},
          {"remaining_dollars", nullptr}};
}

boost::json::object Limit(std::string_view kind, std::string_view group, double utilization,
                          absl::Time reset, boost::json::value scope) {
  const int percent = Percent(utilization);
  return {{"kind", J(kind)},
          {"group", J(group)},
          {"percent", percent},
          {"severity", J(Severity(percent))},
          {"resets_at", FormatUsageTime(reset)},
          {"scope", std::move(scope)},
          {"is_active", false}};
}

}  // namespace

std::string FormatUsageTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", t, absl::UTCTimeZone());
}

std::string UsageJson(const QuotaSnapshot& q) {
  boost::json::object body;
  body["five_hour"] = Bucket(q.utilization_5h, q.reset_5h);
  body["seven_day"] = Bucket(q.utilization_7d, q.reset_7d);
  body["seven_day_oauth_apps"] = nullptr;
  body["seven_day_opus"] = nullptr;
  body["seven_day_sonnet"] = nullptr;
  body["seven_day_cowork"] = nullptr;
  boost::json::array limits;
  limits.push_back(Limit("session", "session", q.utilization_5h, q.reset_5h, nullptr));
  limits.push_back(Limit("weekly_all", "weekly", q.utilization_7d, q.reset_7d, nullptr));
  for (const auto& [model, utilization] : q.scoped_7d) {
    const std::string id =
        Cat("claude-", core::StdView(absl::AsciiStrToLower(core::AbslView(model))));
    boost::json::object scope{{"model", boost::json::object{{"id", id}, {"display_name", model}}},
                              {"surface", nullptr}};
    limits.push_back(Limit("weekly_scoped", "weekly", utilization, q.reset_7d, std::move(scope)));
    const core::ModelFamily family = core::ModelFamilyOf(model);
    if (family == core::ModelFamily::kOpus)
      body["seven_day_opus"] = Bucket(utilization, q.reset_7d);
    if (family == core::ModelFamily::kSonnet) {
      body["seven_day_sonnet"] = Bucket(utilization, q.reset_7d);
    }
  }
  int64_t top = 0;
  for (const boost::json::value& l : limits) top = std::max(top, l.at("percent").as_int64());
  for (boost::json::value& l : limits) {
    l.as_object()["is_active"] = l.at("percent").as_int64() == top;
  }
  body["limits"] = std::move(limits);
  body["extra_usage"] = boost::json::object{{"is_enabled", false},
                                            {"monthly_limit", nullptr},
                                            {"used_credits", nullptr},
                                            {"utilization", nullptr},
                                            {"disabled_reason", "out_of_credits"}};
  body["member_dashboard_available"] = false;
  return boost::json::serialize(body);
}

}  // namespace maxpool::fake
