#pragma once

// A real `redis-server` (Debian's, installed by scripts/install-deps.sh) for the tests of the Redis
// client and of cluster mode: on a free loopback port, nothing persisted, optionally with a
// password or TLS only. Stopped (SIGKILL) when it goes out of scope; Restart() keeps the port.
// Header-only.

#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace maxpool::testing {

inline constexpr char kRedisServerBin[] = "/usr/bin/redis-server";

class RedisServer {
 public:
  struct Options {
    std::string password;            // requirepass; "" for none
    const TestCerts* tls = nullptr;  // TLS only (the plain port is off), server cert of `tls`
  };

  RedisServer() : RedisServer(Options()) {}
  explicit RedisServer(Options options) : options_(std::move(options)) { Start(); }

  uint16_t port() const { return port_; }
  // redis://[:password@]127.0.0.1:port, or rediss://… with TLS.
  std::string url() const {
    return std::string(options_.tls ? "rediss://" : "redis://") +
           (options_.password.empty() ? "" : ":" + options_.password + "@") +
           "127.0.0.1:" + std::to_string(port_);
  }
  std::string log() const { return ReadFile(log_); }

  void Stop() { process_.reset(); }
  // The same port, an empty dataset.
  void Restart() {
    Stop();
    Start();
  }

 private:
  void Start() {
    std::vector<std::string> argv = {kRedisServerBin, "--bind", "127.0.0.1",        "--save", "",
                                     "--appendonly",  "no",     "--protected-mode", "no"};
    if (options_.tls != nullptr) {
      argv.insert(
          argv.end(),
          {"--port", "0", "--tls-port", std::to_string(port_), "--tls-cert-file",
           options_.tls->server_cert.string(), "--tls-key-file", options_.tls->server_key.string(),
           "--tls-ca-cert-file", options_.tls->ca_cert.string(), "--tls-auth-clients", "no"});
    } else {
      argv.insert(argv.end(), {"--port", std::to_string(port_)});
    }
    if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
    process_ = std::make_unique<ChildProcess>(argv, log_);
    EXPECT_TRUE(WaitForPort(port_)) << log();
  }

  const Options options_;
  TempDir dir_;
  const uint16_t port_ = FreePort();
  const std::string log_ = (dir_.path() / "redis.log").string();
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace maxpool::testing
