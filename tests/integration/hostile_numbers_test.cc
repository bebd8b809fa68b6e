// Numbers from outside never cause undefined behaviour (run under UBSan, where any would abort):
// every numeric header the proxy reads, from the client and from the upstream, carries extreme
// and malformed values (1e20, -1, NaN, Infinity, 2^63, empty, non-numeric, dates out of range),
// on success and on 429 answers, for subscription, API-key and provider accounts; the values are
// then used by routing, holds and error messages. Each request gets an answer and the server
// still serves afterwards.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/scripted_upstream.h"

namespace maxpool {
namespace {

using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::ScriptedUpstream;
using namespace std::chrono_literals;

const std::vector<std::string>& ExtremeValues() {
  static const std::vector<std::string> values = {
      "1e20",
      "-1",
      "NaN",
      "nan",
      "Infinity",
      "-Infinity",
      "inf",
      "9223372036854775808",
      "-9223372036854775809",
      "18446744073709551616",
      "1e308",
      "-1e308",
      "4.9e-324",
      "",
      "abc",
      "0x7fffffffffffffff",
      "1,2,3",
      "99999999999999999999999999999999",
      "9999-12-31T23:59:59Z",
      "-271821-04-20T00:00:00Z",
      "Fri, 31 Dec 99999 23:59:59 GMT",
  };
  return values;
}

// Every numeric header the core reads from an upstream answer (core/quota_headers.cc,
// core/retry_after.cc, core/provider_limits.cc, core/response_classifier.cc).
const std::vector<std::string>& UpstreamNumericHeaders() {
  static const std::vector<std::string> names = {
      "retry-after",
      "anthropic-ratelimit-unified-5h-utilization",
      "anthropic-ratelimit-unified-5h-reset",
      "anthropic-ratelimit-unified-7d-utilization",
      "anthropic-ratelimit-unified-7d-reset",
      "anthropic-ratelimit-unified-reset",
      "anthropic-ratelimit-unified-7d_oi-utilization",
      "anthropic-ratelimit-unified-7d_oi-reset",
      "anthropic-ratelimit-requests-limit",
      "anthropic-ratelimit-requests-remaining",
      "anthropic-ratelimit-requests-reset",
      "anthropic-ratelimit-tokens-limit",
      "anthropic-ratelimit-tokens-remaining",
      "anthropic-ratelimit-tokens-reset",
      "anthropic-ratelimit-input-tokens-limit",
      "anthropic-ratelimit-input-tokens-remaining",
      "anthropic-ratelimit-input-tokens-reset",
      "anthropic-ratelimit-output-tokens-limit",
      "anthropic-ratelimit-output-tokens-remaining",
      "anthropic-ratelimit-output-tokens-reset",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
      "x-rate-limit-limit",
      "x-rate-limit-remaining",
      "x-rate-limit-reset",
      "x-ratelimit-limit",
      "x-ratelimit-limit-requests",
      "x-ratelimit-remaining",
      "x-ratelimit-remaining-requests",
      "x-ratelimit-requests-limit",
      "x-ratelimit-requests-remaining",
      "x-ratelimit-requests-reset",
      "x-ratelimit-reset",
      "x-ratelimit-reset-requests",
  };
  return names;
}

std::string HeadersWith(const std::string& value) {
  std::string out;
  for (const std::string& name : UpstreamNumericHeaders()) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "anthropic-ratelimit-unified-status: rejected\r\n");
  return out;
}

// A fresh pool per value: each value meets accounts with no bench from the one before.
class HostileNumbers : public ::testing::TestWithParam<std::string> {
 protected:
  HostileNumbers() : harness_(Options()) {
    fake::FakeAccountSpec api;
    api.type = fake::AccountType::kApiKey;
    harness_.AddAccount("oauth");
    harness_.AddAccount("key", api, 1);
    harness_.AddAccount("glm", api, 2, [](core::AccountSettings& s, pool::Credential& c) {
      s.type = core::AccountType::kProvider;
      s.provider = core::Provider::kZai;
      s.profiles = {"zai", "all"};
      c.kind = pool::CredentialKind::kBearer;
    });
    for (const char* name : {"oauth", "key", "glm"}) {
      upstreams_.push_back(std::make_unique<ScriptedUpstream>());
      harness_.Redirect(name, upstreams_.back()->base_url());
    }
    harness_.Start();
  }

  static ProxyHarness::Options Options() {
    ProxyHarness::Options o = ProxyHarness::DefaultOptions();
    // Answer at once, or after a short hold: never the default minutes.
    o.pool.queue.non_stream_max_wait = absl::ZeroDuration();
    o.pool.queue.max_wait = absl::Seconds(2);
    o.pool.queue.stream_client_tolerance = absl::Seconds(2);
    o.pool.queue.stream_hold_max = absl::Seconds(2);
    o.proxy.stream_grace = 100ms;
    o.proxy.heartbeat = 100ms;
    return o;
  }

  ProxyHarness harness_;
  std::vector<std::unique_ptr<ScriptedUpstream>> upstreams_;
};

TEST_P(HostileNumbers, UpstreamHeadersAreReadWithoutUndefinedBehaviour) {
  const std::string& value = GetParam();
  const std::string ok =
      R"({"id":"msg_1","type":"message","content":[],"usage":{"input_tokens":1,"output_tokens":1}})";
  const std::string limited =
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})";
  for (auto& upstream : upstreams_) {
    upstream->Push({ScriptedUpstream::Json(200, ok, HeadersWith(value))});
    upstream->Push({ScriptedUpstream::Json(429, limited, HeadersWith(value))});
  }
  for (const fake::ClientHeaders& profile :
       {fake::ClientHeaders{}, fake::ClientHeaders{{"x-maxpool-profile", "zai"}}}) {
    for (int i = 0; i < 3; ++i) EXPECT_NE(harness_.Post(i % 2 == 0, profile).status, 0);
  }
  // Routing, the oracle and the error wording read the stored values again.
  for (int i = 0; i < 2; ++i) EXPECT_NE(harness_.Post(false).status, 0);
  EXPECT_EQ(harness_.pool().Snapshot().size(), 3u);
}

TEST_P(HostileNumbers, ClientStreamIdleHeaderIsReadWithoutUndefinedBehaviour) {
  const std::string& value = GetParam();
  // A 429 on every account first, so that the request's hold window (which the header bounds)
  // is computed too.
  for (auto& upstream : upstreams_) {
    upstream->Push({ScriptedUpstream::Json(
        429, R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})",
        "retry-after: 1\r\n")});
  }
  EXPECT_NE(harness_.Post(true, {{"x-maxpool-client-stream-idle-ms", value}}).status, 0);
}

INSTANTIATE_TEST_SUITE_P(Values, HostileNumbers, ::testing::ValuesIn(ExtremeValues()));

TEST(HostileContentLength, OutOfRangeIsABadRequest) {
  ProxyHarness harness_;
  harness_.AddAccount("a");
  harness_.Start();
  for (const std::string& value :
       {std::string("9223372036854775808"), std::string("-1"), std::string("1e20"),
        std::string("18446744073709551616"), std::string("NaN"), std::string("")}) {
    SCOPED_TRACE(value);
    auto client = harness_.Client();
    ASSERT_TRUE(client
                    ->SendRaw(absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\n",
                                           "content-length: ", value, "\r\n\r\n{}"))
                    .ok());
    absl::StatusOr<fake::HttpResponse> r = client->ReadHeaders();
    if (r.ok()) {
      EXPECT_GE(r->status, 400);
    }
  }
}

}  // namespace
}  // namespace maxpool
