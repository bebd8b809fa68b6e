// Every numeric key of the config file (found by walking config.proto, so a new key is covered
// the day it is added) takes extreme and malformed values: 1e20, -1, NaN, Infinity, 2^63, empty,
// non-numeric and more. Each is either refused with a message that names the key, or loaded and
// then used by the pool, the router, the hold policy and the proxy's options without undefined
// behaviour (this runs under UBSan, where any would abort).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/json.hpp"
#include "config/config_loader.h"
#include "config/core_settings.h"
#include "core/hold_policy.h"
#include "core/request_info.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "server/pool_from_config.h"
#include "support/fake_clock.h"

namespace maxpool::server {
namespace {

namespace json = boost::json;
namespace pb = google::protobuf;
using ::testing::HasSubstr;

// Where a numeric field sits in the JSON file: the object path to it and its key.
struct NumericKey {
  std::vector<std::string> path;  // object keys; "[0]" steps into an array's first element
  std::string key;
  bool repeated = false;
  // "scheduler.cooldownMs", "accounts[0].priority".
  std::string Name() const {
    std::string out;
    for (const std::string& step : path) {
      if (step != "[0]" && !out.empty()) out += '.';
      out += step;
    }
    return out.empty() ? key : absl::StrCat(out, ".", key);
  }
};

void Walk(const pb::Descriptor* message, std::vector<std::string> path,
          std::vector<NumericKey>& out, int depth = 0) {
  if (depth > 4) return;
  for (int i = 0; i < message->field_count(); ++i) {
    const pb::FieldDescriptor* f = message->field(i);
    std::vector<std::string> at = path;
    if (f->is_map()) {
      at.push_back(f->json_name());
      at.push_back("zai");
      Walk(f->message_type()->map_value()->message_type(), at, out, depth + 1);
      continue;
    }
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      at.push_back(f->json_name());
      if (f->is_repeated()) at.push_back("[0]");
      Walk(f->message_type(), at, out, depth + 1);
      continue;
    }
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
      case pb::FieldDescriptor::CPPTYPE_INT64:
      case pb::FieldDescriptor::CPPTYPE_UINT32:
      case pb::FieldDescriptor::CPPTYPE_UINT64:
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        out.push_back({path, f->json_name(), f->is_repeated()});
        break;
      default:
        break;
    }
  }
}

std::vector<NumericKey> NumericKeys() {
  std::vector<NumericKey> keys;
  Walk(v1::Config::descriptor(), {}, keys);
  return keys;
}

// A config with one account of each kind and a peak window, so that nested keys have a home.
json::object BaseConfig() {
  return json::parse(R"({
    "accounts": [{"type": "oauth", "name": "a", "accessToken": "sk-ant-oat01-a",
                  "refreshToken": "sk-ant-ort01-a"},
                 {"type": "apikey", "name": "k", "apiKey": "sk-ant-api03-k"}],
    "providers": [{"provider": "zai", "name": "z", "apiKey": "zk"}],
    "scheduler": {"providers": {"zai": {"peakWindows": [{"days": [1], "startMin": 0,
                                                          "endMin": 60}]}}}
  })")
      .as_object();
}

// Sets `key` to `value` in `config`, creating objects and arrays on the way.
void Set(json::value& config, const NumericKey& key, const json::value& value) {
  json::value* node = &config;
  for (size_t i = 0; i < key.path.size(); ++i) {
    if (key.path[i] == "[0]") {
      json::array& array = node->as_array();
      if (array.empty()) array.emplace_back(json::object());
      node = &array[0];
      continue;
    }
    json::value& next = node->as_object()[key.path[i]];
    if (next.is_null()) {
      const bool array_next = i + 1 < key.path.size() && key.path[i + 1] == "[0]";
      next = array_next ? json::value(json::array()) : json::value(json::object());
    }
    node = &next;
  }
  node->as_object()[key.key] = key.repeated ? json::value(json::array{value}) : value;
}

const std::vector<json::value>& Extremes() {
  static const std::vector<json::value> values = {
      json::value(1e20),
      json::value(-1),
      json::value("NaN"),
      json::value("Infinity"),
      json::value("-Infinity"),
      json::parse("9223372036854775808"),
      json::parse("18446744073709551615"),
      json::value(1e308),
      json::value(-1e308),
      json::value(""),
      json::value("abc"),
      json::value(0),
      json::value(4294967296LL),
      json::value(2147483648LL),
      json::value(9007199254740993LL),
  };
  return values;
}

// Drives what the config feeds: settings, the pool's routing, a failure, the oracle, holds.
void Exercise(const v1::Config& config) {
  testing::FakeClock clock;
  std::unique_ptr<pool::Pool> pool = MakePool(clock, config);
  const proxy::ProxyOptions proxy_options =
      ProxyOptionsOf(config, [](std::string_view) { return std::optional<std::string>(); });
  (void)proxy_options;
  core::RequestInfo request;
  request.streaming = true;
  request.body_bytes = 1000;
  for (int round = 0; round < 3; ++round) {
    core::RouteState route;
    std::optional<pool::Grant> grant = pool->TryAcquire(request, route);
    if (grant) {
      core::ResponseVerdict verdict;
      verdict.failure = round == 0   ? core::FailureClass::kUpstream5xx
                        : round == 1 ? core::FailureClass::kNetwork
                                     : core::FailureClass::kQuotaRejected;
      verdict.retry_after = absl::Seconds(30);
      core::AttemptContext attempt;
      attempt.status = 500;
      attempt.can_retry = true;
      attempt.hops_left = true;
      pool->OnFailure(grant->lease, request, route, verdict, attempt);
    }
    const core::RetryPlan plan = pool->NextRetry(request, route);
    core::HoldContext context;
    context.now = clock.Now();
    for (core::HoldCause cause :
         {core::HoldCause::kQuota, core::HoldCause::kCapacity, core::HoldCause::kNetwork}) {
      core::DecideHold(request, cause, plan, config::QueueSettingsOf(config), context);
      core::HoldWindow(request, cause, plan.cause, config::QueueSettingsOf(config));
    }
    core::RetryAfterSeconds(plan);
    core::HonestMessage(pool->Census(request), plan, true, clock.Now());
    clock.Advance(absl::Minutes(20));
  }
}

TEST(ConfigNumbers, TheWalkFindsTheKnownKeys) {
  std::vector<std::string> names;
  for (const NumericKey& key : NumericKeys()) names.push_back(key.Name());
  EXPECT_THAT(names, ::testing::Contains("scheduler.cooldownMs"));
  EXPECT_THAT(names, ::testing::Contains("accounts[0].priority"));
  EXPECT_THAT(names, ::testing::Contains("scheduler.providers.zai.peakWindows[0].startMin"));
  EXPECT_GT(names.size(), 60u);
}

TEST(ConfigNumbers, EveryNumericKeyRefusesOrSurvivesExtremeValues) {
  int refused = 0;
  int loaded = 0;
  for (const NumericKey& key : NumericKeys()) {
    for (const json::value& value : Extremes()) {
      json::value config = BaseConfig();
      Set(config, key, value);
      const std::string text = json::serialize(config);
      SCOPED_TRACE(absl::StrCat(key.Name(), " = ", json::serialize(value)));
      absl::StatusOr<config::LoadedConfig> result = config::ParseConfig(text, "maxpool.json");
      if (!result.ok()) {
        ++refused;
        EXPECT_THAT(std::string(result.status().message()), HasSubstr(key.key));
        continue;
      }
      ++loaded;
      Exercise(result->config);
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(loaded, 0);
  std::printf("%d refused with the key named, %d loaded and exercised\n", refused, loaded);
}

}  // namespace
}  // namespace maxpool::server
