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
//                                                 input_tokens,output_tokens,tokens_served}}}
//   GET    /_fake/health    {"ok":true}
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

boost::json::object RecordedRequestToJson(const RecordedRequest& request);
boost::json::object StatsToJson(const CredentialStats& stats);

}  // namespace maxpool::fake
