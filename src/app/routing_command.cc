#include "app/routing_command.h"

#include <cmath>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "app/cli.h"
#include "app/option_help.h"

namespace maxpool::app {
namespace {

struct Key {
  const char* name;   // as `routing set` takes it and the policy shows it
  const char* field;  // the RoutingPolicy field
};
constexpr Key kKeys[] = {
    {"switch-threshold", "switch_threshold"},
    {"weekly-soft", "weekly_soft_threshold"},
    {"weekly-reserve", "weekly_reserve_threshold"},
    {"weekly-critical", "weekly_critical_threshold"},
};

// The field of a key: "switch-threshold", "weekly-soft", also with "-threshold" or with
// underscores ("weekly_soft_threshold").
const Key* FindKey(const std::string& word) {
  std::string name = absl::AsciiStrToLower(absl::StrReplaceAll(word, {{"_", "-"}}));
  for (const Key& key : kKeys) {
    if (name == key.name || name == absl::StrCat(key.name, "-threshold")) return &key;
  }
  return nullptr;
}

std::string KeyList() { return "switch-threshold, weekly-soft, weekly-reserve or weekly-critical"; }

// "0.85" or "85%": a fraction in (0, 1].
bool ParseFraction(const std::string& word, double* out) {
  absl::string_view text = word;
  const bool percent = absl::ConsumeSuffix(&text, "%");
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) return false;
  if (percent) value /= 100;
  if (!(value > 0 && value <= 1)) return false;
  *out = value;
  return true;
}

std::string Number(double value) { return absl::StrFormat("%g", value); }

}  // namespace

std::string RoutingUsageText() {
  return absl::StrCat(R"(usage: maxpool routing [show]
       maxpool routing auto
       maxpool routing prefer NAME
       maxpool routing set KEY VALUE [KEY VALUE...]
  (each with [-o FMT] [--server HOST:PORT] [--token T] [--tls] [--ca FILE])

Shows or changes how the running server picks an account for each request. Changes apply to new
requests at once and are written to the config file; the policy is printed after the change.

  show                the policy (also with no word at all)
  auto                automatic routing: the scheduler ranks every account by remaining quota
                      for the time to its reset, load and health
  prefer NAME         send every request to the account NAME while it can serve, failing over
                      to the others when it cannot
  set KEY VALUE       change a threshold; VALUE is a fraction (0.85) or a percentage (85%):
    switch-threshold  5-hour utilization at which an account stops taking new sessions (0.9)
    weekly-soft       weekly utilization from which an account is used sparingly (0.65)
    weekly-reserve    weekly utilization from which it is held in reserve (0.85)
    weekly-critical   weekly utilization from which it serves only when nothing else can (0.95)
                      (soft <= reserve <= critical)
)",
                      OptionsHelp("routing"));
}

absl::StatusOr<RoutingChange> ParseRoutingWords(const std::vector<std::string>& words) {
  RoutingChange change;
  if (words.empty() || (words.size() == 1 && words[0] == "show")) return change;
  const std::string& action = words[0];
  if (action == "show") {
    return absl::InvalidArgumentError("`routing show` takes nothing more");
  }
  if (action == "auto" || action == "automatic") {
    if (words.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("`routing ", action, "` takes nothing more"));
    }
    change.action = RoutingChange::Action::kAutomatic;
    return change;
  }
  if (action == "prefer") {
    if (words.size() != 2 || words[1].empty()) {
      return absl::InvalidArgumentError(
          "`routing prefer` needs one account name: routing prefer NAME");
    }
    change.action = RoutingChange::Action::kPrefer;
    change.account = control_client::AccountId(words[1]);
    return change;
  }
  if (action == "set") {
    if (words.size() < 3 || words.size() % 2 == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("`routing set` needs KEY VALUE pairs, e.g. routing set switch-threshold "
                       "0.85 (KEY: ",
                       KeyList(), ")"));
    }
    change.action = RoutingChange::Action::kSet;
    std::set<std::string> seen;
    for (size_t i = 1; i + 1 < words.size(); i += 2) {
      const Key* key = FindKey(words[i]);
      if (key == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown routing key \"", words[i], "\"; use ", KeyList()));
      }
      if (!seen.insert(key->field).second) {
        return absl::InvalidArgumentError(absl::StrCat(key->name, " is given twice"));
      }
      double value = 0;
      if (!ParseFraction(words[i + 1], &value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(key->name,
                         " needs a fraction in (0, 1] like 0.85, or a percentage "
                         "like 85%; got \"",
                         words[i + 1], "\""));
      }
      change.thresholds.emplace_back(key->field, value);
    }
    return change;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown routing action \"", action,
                                                 "\"; use show, auto, prefer NAME or set "
                                                 "KEY VALUE"));
}

v1::UpdateRoutingPolicyRequest RoutingUpdateRequest(const RoutingChange& change) {
  v1::UpdateRoutingPolicyRequest request;
  v1::RoutingPolicy* policy = request.mutable_policy();
  policy->set_name("routingPolicy");
  google::protobuf::FieldMask* mask = request.mutable_update_mask();
  switch (change.action) {
    case RoutingChange::Action::kShow:
      break;
    case RoutingChange::Action::kAutomatic:
      policy->set_mode(v1::ROUTING_MODE_AUTOMATIC);
      mask->add_paths("mode");
      break;
    case RoutingChange::Action::kPrefer:
      policy->set_mode(v1::ROUTING_MODE_PREFERRED);
      policy->set_preferred_account(control_client::AccountResourceName(change.account));
      mask->add_paths("mode");
      mask->add_paths("preferred_account");
      break;
    case RoutingChange::Action::kSet:
      for (const auto& [field, value] : change.thresholds) {
        if (field == "switch_threshold") policy->set_switch_threshold(value);
        if (field == "weekly_soft_threshold") policy->set_weekly_soft_threshold(value);
        if (field == "weekly_reserve_threshold") policy->set_weekly_reserve_threshold(value);
        if (field == "weekly_critical_threshold") policy->set_weekly_critical_threshold(value);
        mask->add_paths(field);
      }
      break;
  }
  return request;
}

std::string FormatRoutingPolicy(const v1::RoutingPolicy& policy) {
  std::string mode;
  switch (policy.mode()) {
    case v1::ROUTING_MODE_AUTOMATIC:
      mode = "automatic";
      break;
    case v1::ROUTING_MODE_PREFERRED:
      mode = absl::StrCat("preferred ", control_client::AccountId(policy.preferred_account()));
      break;
    default:
      mode = "unknown";
      break;
  }
  return control_client::FormatTable({
      {"mode:", mode},
      {"switch-threshold:", Number(policy.switch_threshold())},
      {"weekly-soft:", Number(policy.weekly_soft_threshold())},
      {"weekly-reserve:", Number(policy.weekly_reserve_threshold())},
      {"weekly-critical:", Number(policy.weekly_critical_threshold())},
  });
}

int RunRouting(const control_client::ControlOptions& options, const RoutingChange& change,
               OutputFormat format, const config::EnvLookup& env, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
      control_client::ConnectControl(options, env);
  if (!client.ok()) {
    err << "maxpool: " << client.status().message() << "\n";
    return kExitFailure;
  }
  v1::RoutingPolicy policy;
  grpc::Status rpc;
  if (change.action == RoutingChange::Action::kShow) {
    rpc = (*client)->routing().GetRoutingPolicy((*client)->NewContext().get(),
                                                v1::GetRoutingPolicyRequest(), &policy);
  } else {
    rpc = (*client)->routing().UpdateRoutingPolicy((*client)->NewContext().get(),
                                                   RoutingUpdateRequest(change), &policy);
  }
  if (!rpc.ok()) {
    err << "maxpool: " << (*client)->ErrorLine(rpc) << "\n";
    return kExitFailure;
  }
  if (format == OutputFormat::kText) {
    out << FormatRoutingPolicy(policy);
    return kExitOk;
  }
  absl::StatusOr<std::string> document = FormatMessage(policy, format);
  if (!document.ok()) {
    err << "maxpool: " << document.status().message() << "\n";
    return kExitFailure;
  }
  out << *document;
  return kExitOk;
}

}  // namespace maxpool::app
