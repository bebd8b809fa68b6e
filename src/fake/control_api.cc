#include "fake/control_api.h"

#include <string>

#include "absl/strings/match.h"
#include "boost/json/array.hpp"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "core/absl_view.h"
#include "fake/oauth_control.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {
namespace {

namespace http = boost::beast::http;

Plan JsonPlan(int status, const boost::json::object& body) { return ControlJson(status, body); }
Plan ErrorPlan(int status, std::string_view message) { return ControlError(status, message); }
Plan FromStatus(const absl::Status& status) { return ControlStatus(status); }

// Reads {"credential": "..."} out of a parsed control body.
std::string CredentialOf(const boost::json::object& body) {
  const boost::json::value* v = body.if_contains("credential");
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string().data(), v->get_string().size());
}

}  // namespace

Plan ControlJson(int status, const boost::json::object& body) {
  Plan plan;
  plan.status = status;
  plan.headers.emplace_back("request-id", NewRequestId());
  plan.body = boost::json::serialize(body);
  return plan;
}

Plan ControlError(int status, std::string_view message) {
  boost::json::object body;
  body["error"] = boost::json::string_view(message.data(), message.size());
  return ControlJson(status, body);
}

Plan ControlStatus(const absl::Status& status) {
  if (status.ok()) return ControlJson(200, {{"ok", true}});
  return ControlError(absl::IsNotFound(status) ? 404 : 400, core::StdView(status.message()));
}

bool ControlApi::Matches(std::string_view target) {
  return target.substr(0, 7) == "/_fake/" || target == "/_fake";
}

boost::json::object RecordedRequestToJson(const RecordedRequest& r) {
  boost::json::object obj;
  obj["method"] = r.method;
  obj["target"] = r.target;
  boost::json::array headers;
  for (const auto& [name, value] : r.headers) {
    headers.push_back(boost::json::array{boost::json::string(name), boost::json::string(value)});
  }
  obj["headers"] = std::move(headers);
  obj["body"] = r.body;
  obj["credential"] = r.credential;
  obj["behaviour"] = r.behaviour;
  return obj;
}

boost::json::object StatsToJson(const CredentialStats& s) {
  return {{"requests", s.requests},
          {"streams_completed", s.streams_completed},
          {"in_flight", s.in_flight},
          {"max_in_flight", s.max_in_flight},
          {"input_tokens", s.input_tokens},
          {"output_tokens", s.output_tokens},
          {"tokens_served", s.tokens_served()}};
}

Plan ControlApi::Handle(const HttpRequest& request) const {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const http::verb method = request.method();

  auto parse_body = [&](boost::json::value& out) -> bool {
    boost::system::error_code ec;
    out = boost::json::parse(request.body(), ec);
    return !ec;
  };

  if (path == "/_fake/health") return JsonPlan(200, {{"ok", true}});
  if (path == "/_fake/oauth" || absl::StartsWith(core::AbslView(path), "/_fake/oauth/")) {
    return HandleOAuthControl(state_, request, path);
  }
  if (path == "/_fake/accounts") {
    if (method == http::verb::get) return JsonPlan(200, state_.AccountsJson());
    if (method != http::verb::post) return ErrorPlan(405, "use GET or POST");
    boost::json::value body;
    if (!parse_body(body)) return ErrorPlan(400, "body is not valid JSON");
    std::vector<FakeAccountSpec> specs;
    const boost::json::array single{body};
    for (const boost::json::value& entry : body.is_array() ? body.get_array() : single) {
      absl::StatusOr<FakeAccountSpec> spec = ParseAccountSpec(entry, state_.Now());
      if (!spec.ok()) return FromStatus(spec.status());
      specs.push_back(*std::move(spec));
    }
    for (FakeAccountSpec& spec : specs) {
      if (absl::Status s = state_.AddAccount(std::move(spec)); !s.ok()) return FromStatus(s);
    }
    return JsonPlan(200, {{"ok", true}, {"accounts", specs.size()}});
  }
  if (path == "/_fake/script" || path == "/_fake/default") {
    if (method != http::verb::post) return ErrorPlan(405, "use POST");
    boost::json::value body;
    if (!parse_body(body) || !body.is_object()) return ErrorPlan(400, "body must be a JSON object");
    const boost::json::object& obj = body.get_object();
    const std::string credential = CredentialOf(obj);
    if (credential.empty()) return ErrorPlan(400, "\"credential\" is required");
    if (path == "/_fake/script") {
      const boost::json::value* list = obj.if_contains("behaviours");
      if (list == nullptr) return ErrorPlan(400, "\"behaviours\" is required");
      absl::StatusOr<std::vector<Behaviour>> behaviours = ParseBehaviours(*list);
      if (!behaviours.ok()) return FromStatus(behaviours.status());
      const boost::json::value* replace = obj.if_contains("replace");
      const ScriptMode mode = replace != nullptr && replace->is_bool() && replace->get_bool()
                                  ? ScriptMode::kReplace
                                  : ScriptMode::kAppend;
      return FromStatus(state_.Script(credential, *std::move(behaviours), mode));
    }
    const boost::json::value* one = obj.if_contains("behaviour");
    if (one == nullptr) return ErrorPlan(400, "\"behaviour\" is required");
    absl::StatusOr<Behaviour> behaviour = ParseBehaviour(*one);
    if (!behaviour.ok()) return FromStatus(behaviour.status());
    return FromStatus(state_.SetDefault(credential, *behaviour));
  }
  if (path == "/_fake/requests") {
    if (method == http::verb::delete_) {
      return JsonPlan(200, {{"cleared", state_.ClearRequests()}});
    }
    if (method != http::verb::get) return ErrorPlan(405, "use GET or DELETE");
    boost::json::array list;
    for (const RecordedRequest& r : state_.Requests()) list.push_back(RecordedRequestToJson(r));
    return JsonPlan(200, {{"requests", std::move(list)}});
  }
  if (path == "/_fake/stats") {
    if (method != http::verb::get) return ErrorPlan(405, "use GET");
    boost::json::object stats;
    for (const auto& [credential, s] : state_.Stats()) stats[credential] = StatsToJson(s);
    return JsonPlan(200, {{"stats", std::move(stats)}});
  }
  return ErrorPlan(404, "unknown control path");
}

}  // namespace maxpool::fake
