#include "app/demo_traffic.h"

#include <chrono>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "fake/test_client.h"

namespace maxpool::app {

DemoTraffic::DemoTraffic(uint16_t port, int concurrency, int requests)
    : port_(port), requests_(requests) {
  for (int c = 0; c < concurrency; ++c) clients_.emplace_back([this, c] { Client(c); });
}

DemoTraffic::~DemoTraffic() {
  Stop();
  Wait();
}

void DemoTraffic::Wait() {
  for (std::thread& client : clients_) {
    if (client.joinable()) client.join();
  }
}

void DemoTraffic::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  stop_cv_.notify_all();
}

bool DemoTraffic::Pause(int index) {
  thread_local std::minstd_rand random(static_cast<unsigned>(index) + 1);
  const auto pause = std::chrono::milliseconds(200 + random() % 1300);
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, pause, [this] { return stopping_; });
}

void DemoTraffic::Client(int index) {
  fake::ClientOptions client_options;
  client_options.port = port_;
  client_options.timeout = std::chrono::seconds(30);
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const int i = next_++;
    if (requests_ > 0 && i >= requests_) return;
    absl::StatusOr<std::unique_ptr<fake::BlockingHttpClient>> client =
        fake::BlockingHttpClient::Connect(client_options);
    if (!client.ok()) return;
    const bool stream = i % 2 == 0;
    const std::string body = absl::StrCat(
        R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":)", stream ? "true" : "false",
        R"(,"messages":[{"role":"user","content":"demo request )", i, R"("}]})");
    fake::ClientHeaders headers = {{"content-type", "application/json"},
                                   {"anthropic-version", "2023-06-01"}};
    if (i % 3 == 0) headers.emplace_back("x-maxpool-session", absl::StrCat("demo-", index));
    (void)(*client)->Request("POST", "/v1/messages", headers, body);
    if (requests_ == 0 && !Pause(index)) return;
  }
}

}  // namespace maxpool::app
