#pragma once

// The fake upstream's control API, served on the same listener under /_fake/ so that tests in
// other processes (and the demo) can drive it. Requests to it are not recorded and need no
// credential. All bodies are JSON.
//   POST   /_fake/accounts  account spec (FakeAccountSpec JSON) or an array of them
//   GET    /_fake/accounts  {credential: state}
//   POST   /_fake/script    {"credential":…, "behaviours":[…], "replace":false}
//   POST   /_fake/default   {"credential":…, "behaviour":{…}}
//   GET    /_fake/requests  {"requests":[{method,target,headers:[[name,value]…],body,credential,
//                                         behaviour}…]}
//   DELETE /_fake/requests  {"cleared":N}
//   GET    /_fake/stats     {"stats":{credential:{requests,streams_completed,in_flight,
//                                                 max_in_flight,input_tokens,output_tokens,
//                                                 tokens_served}}}
//   GET    /_fake/health    {"ok":true}
// OAuth (oauth_control.h has the field lists):
//   GET    /_fake/oauth          {"accounts":{credential:{access_token,refresh_token,expires_at,
//                                  expired,token_calls,refresh_calls,rotations,last_rotation_ms,rejected,…}},
//                                  "token_calls":N,"presented":[{refresh_token,accepted,
//                                  credential,fault,at}…],"script":[…],"default":{…}}
//   POST   /_fake/oauth/accounts {"credential":…, OAuth spec fields (oauth_spec.h)} or an array:
//                                 changes an existing account's OAuth settings
//   POST   /_fake/oauth/codes    {"credential","code_challenge","state"?,"redirect_uri"?}
//                                 -> {"code":…}
//   POST   /_fake/oauth/script   {"faults":[token fault…], "replace":false} (oauth_faults.h)
//   POST   /_fake/oauth/default  {"fault":token fault}
//   POST   /_fake/oauth/expire   {"credential":…}: its access tokens expire now
// Success is 200 with a JSON object; a bad body is 400, an unknown credential or path 404, a wrong
// method 405, each with {"error":"…"}. Thread-safe.

#include <string_view>

#include "boost/json/object.hpp"
#include "fake/api_handler.h"
#include "fake/fake_state.h"
#include "fake/plan.h"

namespace maxpool::fake {

class ControlApi {
 public:
  // `state` must outlive the API.
  explicit ControlApi(FakeState& state) : state_(state) {}

  // True when the target is a control path ("/_fake/…").
  static bool Matches(std::string_view target);

  Plan Handle(const HttpRequest& request) const;

 private:
  FakeState& state_;
};

// Control answers: a JSON body; {"error":message}; {"ok":true} or the status's error (404 for
// NotFound, else 400).
Plan ControlJson(int status, const boost::json::object& body);
Plan ControlError(int status, std::string_view message);
Plan ControlStatus(const absl::Status& status);

boost::json::object RecordedRequestToJson(const RecordedRequest& request);
boost::json::object StatsToJson(const CredentialStats& stats);

}  // namespace maxpool::fake
