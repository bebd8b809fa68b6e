#pragma once

// The world of an integration test (Envoy's integration-test shape, STYLE §7): a real fake
// upstream on a loopback port, a real pool and a real proxy in front of it, and clients that
// talk HTTP to the proxy. Accounts are added to both sides with one call. Header-only.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "proxy/proxy_server.h"

namespace maxpool::testing {

class ProxyHarness {
 public:
  struct Options {
    fake::FakeOptions fake;
    pool::PoolOptions pool;
    proxy::ProxyOptions proxy;
    // The pool's clock; null: the system clock. Must outlive the harness.
    const core::Clock* clock = nullptr;
  };

  static Options DefaultOptions() {
    Options o;
    o.proxy.port = 0;
    o.proxy.threads = 2;
    o.proxy.stream_grace = std::chrono::milliseconds(10000);
    return o;
  }

  explicit ProxyHarness(Options options = DefaultOptions()) : options_(std::move(options)) {
    auto upstream = fake::FakeUpstream::Start(options_.fake);
    EXPECT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    pool_ = std::make_unique<pool::Pool>(
        options_.clock != nullptr ? *options_.clock : static_cast<const core::Clock&>(clock_),
        options_.pool);
  }

  ~ProxyHarness() {
    if (proxy_) proxy_->Stop();
    if (upstream_) upstream_->Stop();
  }

  // Adds an account to the fake (as `spec`) and to the pool (named `name`), before Start().
  // Returns the credential.
  // `adjust`, when given, may change the pool's settings and credential (a provider, a bearer
  // API key) before the account is added.
  using Adjust = std::function<void(core::AccountSettings&, pool::Credential&)>;
  std::string AddAccount(const std::string& name, fake::FakeAccountSpec spec = {},
                         double priority = 0, const Adjust& adjust = nullptr) {
    if (spec.credential.empty()) {
      spec.credential = spec.type == fake::AccountType::kOAuth
                            ? absl::StrCat("sk-ant-oat01-test-", name)
                            : absl::StrCat("sk-ant-api03-test-", name);
    }
    spec.name = name;
    EXPECT_TRUE(upstream_->AddAccount(spec).ok());
    core::AccountSettings settings;
    settings.name = name;
    settings.priority = priority;
    settings.type = spec.type == fake::AccountType::kOAuth ? core::AccountType::kOAuth
                                                           : core::AccountType::kApiKey;
    pool::Credential credential;
    credential.kind = spec.type == fake::AccountType::kOAuth ? pool::CredentialKind::kOAuthBearer
                                                             : pool::CredentialKind::kApiKey;
    credential.secret = spec.credential;
    credential.upstream = upstream_->base_url();
    if (adjust) adjust(settings, credential);
    pool_->AddAccount(settings, credential);
    credentials_[name] = credential;
    return spec.credential;
  }

  // Sends account `name`'s requests to `base_url` instead of the fake: a relay, or a peer that
  // misbehaves on purpose.
  void Redirect(const std::string& name, const std::string& base_url) {
    pool::Credential credential = credentials_.at(name);
    credential.upstream = base_url;
    EXPECT_TRUE(pool_->UpdateCredential(name, credential).ok());
  }

  void Start(proxy::RequestObserver observer = nullptr) {
    auto server = proxy::ProxyServer::Start(*pool_, options_.proxy, std::move(observer));
    ASSERT_TRUE(server.ok()) << server.status();
    proxy_ = std::move(*server);
  }

  std::unique_ptr<fake::BlockingHttpClient> Client(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fake::ClientOptions o;
    o.port = proxy_->port();
    o.timeout = timeout;
    auto client = fake::BlockingHttpClient::Connect(o);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static fake::ClientHeaders JsonHeaders() {
    return {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}};
  }

  static std::string MessageBody(bool stream, const std::string& text = "hello") {
    return absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":)",
                        stream ? "true" : "false", R"(,"messages":[{"role":"user","content":")",
                        text, R"("}]})");
  }

  // POST /v1/messages on a fresh connection; the whole response.
  fake::HttpResponse Post(bool stream, fake::ClientHeaders extra = {},
                          const std::string& body = "") {
    auto client = Client();
    fake::ClientHeaders headers = JsonHeaders();
    for (auto& h : extra) headers.push_back(std::move(h));
    auto response =
        client->Request("POST", "/v1/messages", headers, body.empty() ? MessageBody(stream) : body);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : fake::HttpResponse{};
  }

  // The proxy's options, to change before Start(): e.g. default_upstream = upstream().base_url(),
  // which exists only once the constructor has started the fake.
  proxy::ProxyOptions& proxy_options() { return options_.proxy; }

  fake::FakeUpstream& upstream() { return *upstream_; }
  pool::Pool& pool() { return *pool_; }
  proxy::ProxyServer& proxy() { return *proxy_; }
  uint16_t port() const { return proxy_->port(); }

 private:
  Options options_;
  core::SystemClock clock_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
  std::unique_ptr<pool::Pool> pool_;
  std::unique_ptr<proxy::ProxyServer> proxy_;
  std::map<std::string, pool::Credential> credentials_;
};

}  // namespace maxpool::testing
