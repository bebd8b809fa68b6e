#include "fake/fake_upstream.h"

#include <atomic>
#include <cstdio>
#include <exception>
#include <optional>
#include <thread>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "fake/api_handler.h"
#include "fake/connection.h"
#include "fake/control_api.h"
#include "fake/scenario.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Logs an exception that escaped a coroutine: that is a bug, never an I/O outcome.
void LogEscaped(const char* what, std::exception_ptr e) {
  if (e == nullptr) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "fake upstream: %s: %s\n", what, ex.what());
  }
}

}  // namespace

struct FakeUpstream::Impl {
  explicit Impl(FakeOptions opts)
      : options(std::move(opts)),
        clock(options.clock != nullptr ? options.clock : &system_clock),
        state(*clock, options.record_requests ? options.max_recorded_requests : 0),
        api(options, state),
        control(state),
        ioc(options.threads),
        acceptor(asio::make_strand(ioc)) {}

  // Accepts connections until the acceptor closes; each gets its own strand and coroutine.
  asio::awaitable<void> Listen() {
    asio::steady_timer backoff(acceptor.get_executor());
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {  // e.g. EMFILE under load: back off briefly instead of spinning
        backoff.expires_after(std::chrono::milliseconds(20));
        co_await backoff.async_wait(kTuple);
        continue;
      }
      const auto executor = socket.get_executor();
      asio::co_spawn(executor, RunConnection(std::move(socket), context),
                     [](std::exception_ptr e) { LogEscaped("connection", e); });
    }
  }

  FakeOptions options;
  core::SystemClock system_clock;
  const core::Clock* clock;
  FakeState state;
  ApiHandler api;
  ControlApi control;
  ConnectionRegistry registry;
  std::optional<asio::ssl::context> tls;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor;
  ServerContext context{options, api, control, registry, nullptr};
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
};

absl::StatusOr<std::unique_ptr<FakeUpstream>> FakeUpstream::Start(FakeOptions options) {
  if (options.threads < 1 || options.threads > 256) {
    return absl::InvalidArgumentError("fake upstream: threads must be in [1, 256]");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("fake upstream: TLS needs both a certificate and a key");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  const FakeOptions& opts = impl->options;
  boost::system::error_code ec;

  if (!opts.tls_cert_file.empty()) {
    impl->tls.emplace(asio::ssl::context::tls_server);
    impl->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
    impl->tls->use_certificate_chain_file(opts.tls_cert_file, ec);
    if (ec) {
      return absl::UnavailableError(
          Cat("fake upstream: TLS certificate ", opts.tls_cert_file, ": ", ec.message()));
    }
    impl->tls->use_private_key_file(opts.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::UnavailableError(
          Cat("fake upstream: TLS key ", opts.tls_key_file, ": ", ec.message()));
    }
    impl->context.tls = &*impl->tls;
  }

  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(opts.host, std::to_string(opts.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return absl::InvalidArgumentError(
        Cat("fake upstream: cannot resolve host \"", opts.host, "\": ", ec.message()));
  }
  const tcp::endpoint endpoint = *endpoints.begin();
  tcp::acceptor& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        Cat("fake upstream: cannot listen on ", opts.host, ":", opts.port, ": ", ec.message()));
  }
  impl->port = acceptor.local_endpoint(ec).port();

  impl->work.emplace(impl->ioc.get_executor());
  Impl* raw = impl.get();
  asio::co_spawn(acceptor.get_executor(), raw->Listen(),
                 [](std::exception_ptr e) { LogEscaped("listener", e); });
  for (int i = 0; i < opts.threads; ++i) {
    impl->threads.emplace_back([raw] {
      try {
        raw->ioc.run();
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "fake upstream: io thread: %s\n", ex.what());
      }
    });
  }
  return std::unique_ptr<FakeUpstream>(new FakeUpstream(std::move(impl)));
}

FakeUpstream::FakeUpstream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeUpstream::~FakeUpstream() { Stop(); }

uint16_t FakeUpstream::port() const { return impl_->port; }

std::string FakeUpstream::base_url() const {
  std::string host = impl_->options.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = Cat("[", host, "]");
  return Cat(impl_->tls ? "https://" : "http://", host, ":", impl_->port);
}

void FakeUpstream::Stop() {
  Impl& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  impl.registry.stopping = true;
  asio::post(impl.acceptor.get_executor(), [&impl] {
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
  });
  impl.registry.Cancel(ConnectionRegistry::Which::kIdleAndHung);
  if (!impl.registry.WaitEmpty(impl.options.stop_grace)) {
    impl.registry.Cancel(ConnectionRegistry::Which::kAll);
    impl.registry.WaitEmpty(std::chrono::milliseconds(2000));
  }
  impl.work.reset();
  impl.ioc.stop();
  for (std::thread& t : impl.threads) t.join();
  impl.threads.clear();
}

absl::Status FakeUpstream::AddAccount(FakeAccountSpec spec) {
  return impl_->state.AddAccount(std::move(spec));
}

absl::Status FakeUpstream::Script(std::string_view credential, std::vector<Behaviour> behaviours,
                                  ScriptMode mode) {
  return impl_->state.Script(credential, std::move(behaviours), mode);
}

absl::Status FakeUpstream::SetDefault(std::string_view credential, Behaviour behaviour) {
  return impl_->state.SetDefault(credential, std::move(behaviour));
}

absl::Status FakeUpstream::ApplyScenario(std::string_view json) {
  absl::StatusOr<Scenario> scenario = ParseScenarioDocument(json, impl_->state.Now());
  if (!scenario.ok()) return scenario.status();
  return ApplyScenario(*std::move(scenario));
}

absl::Status FakeUpstream::ApplyScenario(Scenario scenario) {
  for (FakeAccountSpec& spec : scenario.accounts) {
    if (absl::Status s = impl_->state.AddAccount(std::move(spec)); !s.ok()) return s;
  }
  if (!scenario.token_script.empty()) {
    impl_->state.ScriptTokenFaults(std::move(scenario.token_script));
  }
  if (scenario.token_default) impl_->state.SetDefaultTokenFault(*scenario.token_default);
  return absl::OkStatus();
}

std::string FakeUpstream::token_url() const { return Cat(base_url(), "/v1/oauth/token"); }

absl::StatusOr<std::string> FakeUpstream::MintAuthCode(std::string_view credential,
                                                       std::string_view code_challenge,
                                                       std::string_view state,
                                                       std::string_view redirect_uri) {
  return impl_->state.MintAuthCode(credential, code_challenge, state, redirect_uri);
}

absl::Status FakeUpstream::UpdateOAuth(std::string_view credential,
                                       const OAuthAccountSpec& update) {
  return impl_->state.UpdateOAuth(credential, update);
}

absl::Status FakeUpstream::ExpireAccessTokens(std::string_view credential) {
  return impl_->state.ExpireAccessTokens(credential);
}

void FakeUpstream::ScriptTokenFaults(std::vector<TokenFault> faults, ScriptMode mode) {
  impl_->state.ScriptTokenFaults(std::move(faults), mode);
}

void FakeUpstream::SetDefaultTokenFault(TokenFault fault) {
  impl_->state.SetDefaultTokenFault(std::move(fault));
}

std::optional<OAuthAccountView> FakeUpstream::OAuthAccount(std::string_view credential) const {
  return impl_->state.OAuthAccount(credential);
}

int64_t FakeUpstream::TokenCalls() const { return impl_->state.TokenCalls(); }

std::vector<PresentedRefresh> FakeUpstream::PresentedRefreshTokens() const {
  return impl_->state.PresentedRefreshTokens();
}

std::vector<RecordedRequest> FakeUpstream::Requests() const { return impl_->state.Requests(); }

void FakeUpstream::ClearRequests() { impl_->state.ClearRequests(); }

std::map<std::string, CredentialStats> FakeUpstream::Stats() const { return impl_->state.Stats(); }

}  // namespace maxpool::fake
