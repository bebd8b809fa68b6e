#include "control/routing_service.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "control/grpc_status.h"
#include "control/input_limits.h"
#include "control/page_token.h"
#include "control/resource_name.h"

namespace maxpool::control {
namespace {

constexpr std::string_view kPolicyName = "routingPolicy";
const std::set<std::string> kPaths = {"mode",
                                      "preferred_account",
                                      "switch_threshold",
                                      "weekly_soft_threshold",
                                      "weekly_reserve_threshold",
                                      "weekly_critical_threshold"};

bool IsFraction(double value) { return std::isfinite(value) && value > 0 && value <= 1; }

}  // namespace

v1::RoutingPolicy RoutingService::CurrentPolicy() const {
  const core::RoutingPolicy policy = env_.pool->RoutingPolicy();
  const core::SchedulerSettings settings = env_.pool->SchedulerSettings();
  v1::RoutingPolicy out;
  out.set_name(std::string(kPolicyName));
  out.set_mode(policy.preferred ? v1::ROUTING_MODE_PREFERRED : v1::ROUTING_MODE_AUTOMATIC);
  if (policy.preferred) out.set_preferred_account(AccountName(policy.preferred_account));
  out.set_switch_threshold(settings.switch_threshold);
  out.set_weekly_soft_threshold(settings.weekly_soft_threshold);
  out.set_weekly_reserve_threshold(settings.weekly_reserve_threshold);
  out.set_weekly_critical_threshold(settings.weekly_critical_threshold);
  return out;
}

grpc::Status RoutingService::GetPolicy(const v1::GetRoutingPolicyRequest* /*request*/,
                                       v1::RoutingPolicy* response) {
  *response = CurrentPolicy();
  return grpc::Status::OK;
}

grpc::Status RoutingService::UpdatePolicy(const v1::UpdateRoutingPolicyRequest* request,
                                          v1::RoutingPolicy* response) {
  const auto& paths = request->update_mask().paths();
  if (paths.empty()) {
    return InvalidArgument("update_mask",
                           "name the fields to change: mode, preferred_account, "
                           "switch_threshold, weekly_soft_threshold, weekly_reserve_threshold, "
                           "weekly_critical_threshold");
  }
  std::vector<FieldViolation> violations;
  std::set<std::string> mask;
  for (const std::string& path : paths) {
    if (kPaths.count(path) == 0) {
      violations.push_back(
          {"update_mask", absl::StrCat("\"", Quotable(path),
                                       "\" cannot be changed; the fields are "
                                       "mode, preferred_account, "
                                       "switch_threshold and weekly_*_threshold")});
    }
    mask.insert(path);
  }
  const v1::RoutingPolicy& in = request->policy();
  v1::RoutingPolicy next = CurrentPolicy();
  // The preferred account: named alone, it also selects the preferred mode.
  std::string preferred_id;
  if (mask.count("preferred_account")) {
    if (!in.preferred_account().empty()) {
      absl::StatusOr<std::string> id = ParseAccountName(in.preferred_account());
      if (!id.ok()) {
        violations.push_back({"policy.preferred_account", std::string(id.status().message())});
      } else {
        preferred_id = *id;
        next.set_preferred_account(in.preferred_account());
        if (!mask.count("mode")) next.set_mode(v1::ROUTING_MODE_PREFERRED);
      }
    } else {
      next.clear_preferred_account();
      if (!mask.count("mode")) next.set_mode(v1::ROUTING_MODE_AUTOMATIC);
    }
  } else if (!next.preferred_account().empty()) {
    preferred_id = next.preferred_account().substr(kAccountsCollection.size());
  }
  if (mask.count("mode")) {
    if (in.mode() != v1::ROUTING_MODE_AUTOMATIC && in.mode() != v1::ROUTING_MODE_PREFERRED) {
      violations.push_back(
          {"policy.mode", "must be ROUTING_MODE_AUTOMATIC or ROUTING_MODE_PREFERRED"});
    } else {
      next.set_mode(in.mode());
    }
  }
  if (next.mode() == v1::ROUTING_MODE_PREFERRED && preferred_id.empty()) {
    violations.push_back({"policy.preferred_account",
                          "ROUTING_MODE_PREFERRED needs an account: set preferred_account to "
                          "accounts/{account}"});
  }
  if (next.mode() == v1::ROUTING_MODE_AUTOMATIC) next.clear_preferred_account();
  struct Threshold {
    const char* path;
    double value;
    void (v1::RoutingPolicy::*set)(double);
  };
  const Threshold thresholds[] = {
      {"switch_threshold", in.switch_threshold(), &v1::RoutingPolicy::set_switch_threshold},
      {"weekly_soft_threshold", in.weekly_soft_threshold(),
       &v1::RoutingPolicy::set_weekly_soft_threshold},
      {"weekly_reserve_threshold", in.weekly_reserve_threshold(),
       &v1::RoutingPolicy::set_weekly_reserve_threshold},
      {"weekly_critical_threshold", in.weekly_critical_threshold(),
       &v1::RoutingPolicy::set_weekly_critical_threshold},
  };
  for (const Threshold& t : thresholds) {
    if (!mask.count(t.path)) continue;
    if (!IsFraction(t.value)) {
      violations.push_back({absl::StrCat("policy.", t.path),
                            absl::StrCat("must be a fraction in (0, 1], got ", t.value)});
    } else {
      (next.*t.set)(t.value);
    }
  }
  if (next.weekly_soft_threshold() > next.weekly_reserve_threshold() ||
      next.weekly_reserve_threshold() > next.weekly_critical_threshold()) {
    violations.push_back(
        {"policy.weekly_soft_threshold",
         absl::StrCat("the weekly thresholds must rise: soft ", next.weekly_soft_threshold(),
                      " <= reserve ", next.weekly_reserve_threshold(), " <= critical ",
                      next.weekly_critical_threshold())});
  }
  if (!violations.empty()) return InvalidArgument(violations);

  // The preferred account must be able to take requests before anything is written.
  if (next.mode() == v1::ROUTING_MODE_PREFERRED) {
    bool found = false;
    for (const core::Account& account : env_.pool->Snapshot()) {
      if (account.settings.name != preferred_id) continue;
      found = true;
      if (!account.settings.enabled) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            absl::StrCat("account \"", preferred_id,
                                         "\" is disabled; enable it first (UpdateAccount with "
                                         "enabled=true)"));
      }
      if (account.settings.is_provider()) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            absl::StrCat("account \"", preferred_id,
                                         "\" is a provider account; only Claude accounts can "
                                         "be preferred"));
      }
    }
    if (!found) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no account named \"", preferred_id,
                                       "\"; ListAccounts (or `maxpool accounts`) lists them"));
    }
  }

  ControlWrites::Change change;
  change.edit = [&](v1::Config& config) {
    v1::RoutingConfig* routing = config.mutable_routing();
    if (next.mode() == v1::ROUTING_MODE_PREFERRED) {
      routing->set_mode("preferred");
      routing->set_preferred_account(preferred_id);
    } else {
      routing->set_mode("automatic");
      routing->clear_preferred_account();
    }
    if (mask.count("switch_threshold")) config.set_switch_threshold(next.switch_threshold());
    if (mask.count("weekly_soft_threshold")) {
      config.mutable_scheduler()->set_weekly_soft_threshold(next.weekly_soft_threshold());
    }
    if (mask.count("weekly_reserve_threshold")) {
      config.mutable_scheduler()->set_weekly_reserve_threshold(next.weekly_reserve_threshold());
    }
    if (mask.count("weekly_critical_threshold")) {
      config.mutable_scheduler()->set_weekly_critical_threshold(next.weekly_critical_threshold());
    }
    return grpc::Status::OK;
  };
  change.store_error = [](const absl::Status& status) {
    return grpc::Status(
        grpc::StatusCode::INTERNAL,
        absl::StrCat("the policy was not changed: could not write the config: ", status.message()));
  };
  // The policy reaches the pool as validated here (the file's other keys are not re-read).
  change.apply = [&](const v1::Config& /*written*/) {
    env_.pool->UpdateSchedulerSettings([&](core::SchedulerSettings& settings) {
      settings.switch_threshold = next.switch_threshold();
      settings.weekly_soft_threshold = next.weekly_soft_threshold();
      settings.weekly_reserve_threshold = next.weekly_reserve_threshold();
      settings.weekly_critical_threshold = next.weekly_critical_threshold();
    });
    if (next.mode() == v1::ROUTING_MODE_PREFERRED) {
      return ToGrpcStatus(env_.pool->SetPreferred(preferred_id));
    }
    env_.pool->SetAutomatic();
    return grpc::Status::OK;
  };
  if (grpc::Status status = writes_->Write(change); !status.ok()) return status;
  *response = CurrentPolicy();
  return grpc::Status::OK;
}

grpc::Status RoutingService::Sessions(const v1::ListSessionsRequest* request,
                                      v1::ListSessionsResponse* response) {
  absl::StatusOr<int> size = EffectivePageSize(request->page_size(), 100, 1000);
  if (!size.ok()) return InvalidArgument("page_size", std::string(size.status().message()));
  absl::StatusOr<std::string> after = DecodePageToken("sessions", request->page_token());
  if (!after.ok()) return InvalidArgument("page_token", std::string(after.status().message()));
  const std::vector<pool::SessionView> sessions = env_.pool->Sessions();  // sorted by key
  auto it = sessions.begin();
  if (!after->empty()) {
    it = std::upper_bound(
        sessions.begin(), sessions.end(), *after,
        [](const std::string& key, const pool::SessionView& s) { return key < s.session_id; });
  }
  for (; it != sessions.end() && response->sessions_size() < *size; ++it) {
    v1::Session* out = response->add_sessions();
    out->set_session_id(it->session_id);
    out->set_home_account(AccountName(it->home));
    out->set_current_account(AccountName(it->current));
  }
  if (it != sessions.end() && response->sessions_size() > 0) {
    response->set_next_page_token(EncodePageToken(
        "sessions", response->sessions(response->sessions_size() - 1).session_id()));
  }
  response->set_total_size(static_cast<int32_t>(sessions.size()));
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RoutingService::GetRoutingPolicy(
    grpc::CallbackServerContext* context, const v1::GetRoutingPolicyRequest* request,
    v1::RoutingPolicy* response) {
  return calls_->Unary(context, "maxpool.v1.RoutingService.GetRoutingPolicy",
                       [this, request, response] { return GetPolicy(request, response); });
}

grpc::ServerUnaryReactor* RoutingService::UpdateRoutingPolicy(
    grpc::CallbackServerContext* context, const v1::UpdateRoutingPolicyRequest* request,
    v1::RoutingPolicy* response) {
  return calls_->Unary(context, "maxpool.v1.RoutingService.UpdateRoutingPolicy",
                       [this, request, response] { return UpdatePolicy(request, response); });
}

grpc::ServerUnaryReactor* RoutingService::ListSessions(grpc::CallbackServerContext* context,
                                                       const v1::ListSessionsRequest* request,
                                                       v1::ListSessionsResponse* response) {
  return calls_->Unary(context, "maxpool.v1.RoutingService.ListSessions",
                       [this, request, response] { return Sessions(request, response); });
}

}  // namespace maxpool::control
