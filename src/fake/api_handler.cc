#include "fake/api_handler.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "core/absl_view.h"
#include "fake/message_builder.h"
#include "fake/str_cat.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {
namespace {

namespace http = boost::beast::http;

std::string_view View(boost::beast::string_view s) { return std::string_view(s.data(), s.size()); }

std::string FixedJson() {
  MessageRequest request;
  request.model = "claude-fixed";
  request.input_tokens = 8;
  Answer answer;
  answer.text = "Hello from the fixed fake upstream.";
  answer.output_tokens = 9;
  return MessageJson(request, answer, "msg_01FixedFakeUpstreamAnswer");
}

std::string FixedSse() {
  MessageRequest request;
  request.model = "claude-fixed";
  request.input_tokens = 8;
  Answer answer;
  answer.text = "Hello from the fixed fake upstream.";
  answer.output_tokens = 9;
  StreamShape shape;
  shape.text_events = 2;
  return std::string(
      BuildMessageStream(request, answer, "msg_01FixedFakeUpstreamAnswer", shape).wire());
}

}  // namespace

ApiHandler::ApiHandler(const FakeOptions& options, FakeState& state)
    : options_(options),
      state_(state),
      oauth_(options_, state),
      fixed_json_(FixedJson()),
      fixed_sse_(FixedSse()) {}

Plan ApiHandler::ErrorPlan(int status, std::string_view message) {
  return ErrorPlanFor(status, message, NewRequestId());
}

Plan ApiHandler::Handle(const HttpRequest& request) const {
  const std::string_view target = View(request.target());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool is_post = request.method() == http::verb::post;
  const bool is_get = request.method() == http::verb::get;

  if (options_.fixed_responses && is_post && path == "/v1/messages") {
    Plan plan = NewPlan(200, NewRequestId());
    plan.action = PlanAction::kFixed;
    plan.fixed_stream = LooksStreaming(request.body());
    plan.fixed_body = plan.fixed_stream ? fixed_sse_ : fixed_json_;
    return plan;
  }

  std::string request_id = NewRequestId();
  RecordedRequest record;
  if (options_.record_requests) {
    record.method = std::string(View(request.method_string()));
    record.target = std::string(target);
    for (const auto& field : request) {
      record.headers.emplace_back(std::string(View(field.name_string())),
                                  std::string(View(field.value())));
    }
    if (options_.record_bodies) record.body = request.body();
  }
  auto finish = [&](Plan plan, std::string credential = {}, std::string behaviour = {}) {
    if (options_.record_requests) {
      record.credential = std::move(credential);
      record.behaviour = std::move(behaviour);
      state_.Record(std::move(record));
    }
    return plan;
  };

  if (OAuthApi::Matches(path)) {
    std::string credential;
    std::string behaviour;
    Plan plan = oauth_.Handle(request, path, request_id, credential, behaviour);
    return finish(std::move(plan), std::move(credential), std::move(behaviour));
  }
  const bool messages = path == "/v1/messages" || path == "/v1/messages/count_tokens";
  const bool models = path == "/v1/models" || absl::StartsWith(core::AbslView(path), "/v1/models/");
  if (!messages && !models) {
    return finish(ErrorPlanFor(404, "Not Found", request_id));
  }
  if ((messages && !is_post) || (models && !is_get)) {
    return finish(
        ErrorPlanFor(405, Cat("Method Not Allowed: ", View(request.method_string()), " ", path),
                     request_id, "invalid_request_error"));
  }

  // Authentication (§8.2): x-api-key for API keys; Bearer for OAuth tokens and API keys.
  std::string api_key;
  if (auto it = request.find("x-api-key"); it != request.end()) {
    api_key = std::string(View(it->value()));
  }
  const std::string bearer = BearerToken(request);
  std::string credential;
  // A plain value and a flag rather than std::optional: GCC 12 at -O3 warns, falsely, that the
  // optional may be read uninitialized, and warnings are errors.
  AccountType type = AccountType::kApiKey;
  bool known = false;
  TokenStatus token_status = TokenStatus::kValid;
  if (!api_key.empty()) {
    if (std::optional<AccountType> found = state_.Lookup(api_key);
        found && *found == AccountType::kApiKey) {
      type = *found;
      known = true;
      credential = api_key;
    }
  }
  if (!known && !bearer.empty()) {
    FakeState::BearerResolution found = state_.ResolveBearer(bearer);
    if (found.status != TokenStatus::kUnknown) {
      type = found.type;
      known = true;
      credential = std::move(found.credential);
      token_status = found.status;
    }
  }
  if (!known && options_.accept_unknown_credentials && (!api_key.empty() || !bearer.empty())) {
    FakeAccountSpec spec;
    spec.credential = api_key.empty() ? bearer : api_key;
    spec.type = api_key.empty() && absl::StartsWith(bearer, "sk-ant-oat") ? AccountType::kOAuth
                                                                          : AccountType::kApiKey;
    if (state_.AddAccount(spec).ok()) {
      type = spec.type;
      known = true;
      credential = spec.credential;
    }
  }
  if (!known) {
    const std::string_view message = !api_key.empty()  ? "invalid x-api-key"
                                     : !bearer.empty() ? "Invalid bearer token"
                                                       : "x-api-key header is required";
    return finish(ErrorPlanFor(401, message, request_id));
  }
  if (type == AccountType::kOAuth && !HasBeta(request, kOAuthBeta)) {
    return finish(ErrorPlanFor(401, "OAuth authentication is currently not supported.", request_id),
                  credential);
  }
  if (token_status == TokenStatus::kExpired) {
    return finish(ErrorPlanFor(401, kOAuthExpiredMessage, request_id), credential);
  }
  if (token_status == TokenStatus::kRevoked) {
    return finish(ErrorPlanFor(403, kOAuthRevokedMessage, request_id), credential);
  }
  if (options_.require_anthropic_version && request.find("anthropic-version") == request.end()) {
    return finish(ErrorPlanFor(400, "anthropic-version: header is required", request_id),
                  credential);
  }

  if (models) {
    // Listing models neither spends quota nor consumes the script.
    absl::StatusOr<std::string> body =
        path == "/v1/models" ? ModelsPageJson(target)
                             : ModelJson(path.substr(std::string_view("/v1/models/").size()));
    if (!body.ok()) {
      const bool not_found = absl::IsNotFound(body.status());
      return finish(ErrorPlanFor(not_found ? 404 : 400,
                                 not_found ? std::string("Model not found")
                                           : std::string(body.status().message()),
                                 request_id),
                    credential);
    }
    Plan plan = NewPlan(200, request_id);
    plan.body = *std::move(body);
    return finish(std::move(plan), credential);
  }

  std::string behaviour;
  Plan plan = HandleMessages(request, credential, path, std::move(request_id), behaviour);
  return finish(std::move(plan), credential, std::move(behaviour));
}

}  // namespace maxpool::fake
