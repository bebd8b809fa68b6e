#pragma once

// `maxpool routing`: shows the running server's routing policy (RoutingService.GetRoutingPolicy)
// or changes it (UpdateRoutingPolicy with a field mask of what changed):
//   maxpool routing [show]
//   maxpool routing auto                  the scheduler ranks every account
//   maxpool routing prefer NAME           send every request to NAME while it can serve
//   maxpool routing set KEY VALUE...      switch-threshold, weekly-soft, weekly-reserve,
//                                         weekly-critical: a fraction (0.85) or a percentage (85%)
// Stateless.

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "app/output_format.h"
#include "config/config_path.h"
#include "control_client/control_client.h"
#include "maxpool/v1/routing.pb.h"

namespace maxpool::app {

struct RoutingChange {
  enum class Action { kShow, kAutomatic, kPrefer, kSet };
  Action action = Action::kShow;
  std::string account;  // kPrefer: the account's id
  // kSet: RoutingPolicy field names ("switch_threshold", ...) and their new values, in order.
  std::vector<std::pair<std::string, double>> thresholds;
};

// The help of `maxpool routing` (ends with a newline).
std::string RoutingUsageText();

// Parses the words after `routing`. InvalidArgument with a one-line reason for an unknown
// action, a missing or extra word, an unknown key, a value that is not a fraction in (0, 1].
[[nodiscard]] absl::StatusOr<RoutingChange> ParseRoutingWords(
    const std::vector<std::string>& words);

// The UpdateRoutingPolicy request of a change (REQUIRES: action != kShow).
v1::UpdateRoutingPolicyRequest RoutingUpdateRequest(const RoutingChange& change);

// The policy as people read it, with the keys `routing set` takes. Ends with a newline.
std::string FormatRoutingPolicy(const v1::RoutingPolicy& policy);

// Shows or changes the policy, then prints it as `format` (json and yaml: the RoutingPolicy the
// server answered). Returns kExitOk, or kExitFailure with one line on `err`.
int RunRouting(const control_client::ControlOptions& options, const RoutingChange& change,
               OutputFormat format, const config::EnvLookup& env, std::ostream& out,
               std::ostream& err);

}  // namespace maxpool::app
