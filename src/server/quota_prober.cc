#include "server/quota_prober.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/url/parse.hpp"
#include "core/one_line.h"
#include "core/provider_limits.h"
#include "core/usage_report.h"
#include "credentials/login_flow.h"
#include "net/tls_client_context.h"

namespace maxpool::server {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kZaiQuotaPath = "/api/monitor/usage/quota/limit";
constexpr std::string_view kOAuthBeta = "oauth-2025-04-20";
constexpr int kLoudFailureStreak = 20;
constexpr int kLoudFailureEvery = 100;
constexpr size_t kMaxDetailChars = 120;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

// "HTTP <status>: <what the error body says>", or the transport failure.
std::string FailureText(const net::HttpOutcome& outcome) {
  if (!outcome.ok()) {
    return outcome.error == net::TransportError::kTimeout ? "probe timed out" : outcome.message;
  }
  const core::ErrorBody error = core::ParseErrorBody(outcome.response->body);
  std::string detail = core::OneLine(error.message, core::LineBreaks::kSpaces);
  if (detail.size() > kMaxDetailChars) detail.resize(kMaxDetailChars);
  std::string text = absl::StrCat("HTTP ", outcome.response->status);
  if (!detail.empty()) absl::StrAppend(&text, ": ", detail);
  return text;
}

bool Usable(const credentials::FreshToken& token) {
  return token.kind == credentials::FreshToken::Kind::kFresh ||
         token.kind == credentials::FreshToken::Kind::kRefreshed;
}

}  // namespace

std::string ZaiUsageUrlOf(std::string_view upstream) {
  boost::system::result<boost::urls::url_view> url = boost::urls::parse_absolute_uri(upstream);
  const std::string path(kZaiQuotaPath);
  if (!url) return absl::StrCat(std::string(upstream), path);
  return absl::StrCat(std::string(url->scheme()), "://", std::string(url->encoded_authority()),
                      path);
}

absl::StatusOr<std::unique_ptr<QuotaProber>> QuotaProber::Start(
    pool::Pool& pool, credentials::TokenRefresher* refresher, QuotaProberOptions options, Log log) {
  absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
      net::MakeTlsClientContext(options.ca_file);
  if (!tls.ok()) return tls.status();
  return std::unique_ptr<QuotaProber>(
      new QuotaProber(pool, refresher, std::move(options), std::move(log), *std::move(tls)));
}

QuotaProber::QuotaProber(pool::Pool& pool, credentials::TokenRefresher* refresher,
                         QuotaProberOptions options, Log log,
                         std::unique_ptr<asio::ssl::context> tls)
    : pool_(pool),
      refresher_(refresher),
      options_(std::move(options)),
      log_(std::move(log)),
      tls_(std::move(tls)),
      pacing_(options_.interval) {
  asio::co_spawn(ioc_, Loop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

QuotaProber::~QuotaProber() { Stop(); }

void QuotaProber::Stop() {
  if (stopped_.exchange(true)) return;
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

asio::awaitable<void> QuotaProber::Sleep(absl::Duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, ToChrono(duration));
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> QuotaProber::Loop() {
  using Steady = std::chrono::steady_clock;
  const Steady::duration interval = ToChrono(options_.interval);
  Steady::time_point next = Steady::now();
  while (!stopped_.load()) {
    if (!options_.may_sweep || options_.may_sweep()) {
      co_await Sweep();
      ++sweeps_;
    }
    next += interval;
    // A sweep that overran its interval skips the ticks it missed.
    while (next <= Steady::now()) next += interval;
    asio::steady_timer timer(co_await asio::this_coro::executor, next);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> QuotaProber::Sweep() {
  std::vector<pool::ProbeTarget> targets = pool_.ProbeTargets(options_.interval);
  std::vector<const pool::ProbeTarget*> oauth;
  for (const pool::ProbeTarget& target : targets) {
    if (target.type == core::AccountType::kOAuth) {
      oauth.push_back(&target);
    } else {
      co_await ProbeProvider(target);
    }
  }
  const size_t start = core::ProbeSweepStart(sweep_number_++, oauth.size());
  for (size_t i = 0; i < oauth.size() && !stopped_.load(); ++i) {
    if (i > 0) co_await Sleep(pacing_.gap());
    co_await ProbeOAuth(*oauth[(start + i) % oauth.size()]);
  }
}

asio::awaitable<net::HttpOutcome> QuotaProber::Fetch(std::string url, const std::string& token,
                                                     bool oauth) {
  net::HttpCall call;
  call.method = net::HttpMethod::kGet;
  call.url = std::move(url);
  call.headers.push_back({"Authorization", absl::StrCat("Bearer ", token)});
  call.headers.push_back({"Accept", "application/json"});
  if (oauth) call.headers.push_back({"anthropic-beta", std::string(kOAuthBeta)});
  call.timeout = options_.timeout;
  call.connect_timeout = std::min(options_.timeout, call.connect_timeout);
  ++probes_sent_;
  co_return co_await net::SendJson(*tls_, std::move(call));
}

asio::awaitable<void> QuotaProber::ProbeProvider(const pool::ProbeTarget& target) {
  const net::HttpOutcome outcome =
      co_await Fetch(ZaiUsageUrlOf(target.credential.upstream), target.credential.secret, false);
  if (!outcome.ok() || outcome.response->status / 100 != 2) {
    Failed(target.name, outcome.ok() ? outcome.response->status : 0, FailureText(outcome));
    co_return;
  }
  absl::StatusOr<core::UsageReport> report =
      core::ParseZaiUsage(outcome.response->body, pool_.clock().Now());
  if (!report.ok()) {
    Failed(target.name, outcome.response->status, core::OneLine(report.status()));
    co_return;
  }
  pool_.RecordProbeReading(target.name, *report);
}

asio::awaitable<void> QuotaProber::ProbeOAuth(const pool::ProbeTarget& target) {
  std::string token = target.credential.secret;
  if (target.enabled && refresher_ != nullptr) {
    const credentials::FreshToken fresh = co_await refresher_->EnsureFresh(target.name, {});
    if (fresh.kind == credentials::FreshToken::Kind::kFailed) {
      Failed(target.name, fresh.status.value_or(0),
             absl::StrCat("token refresh failed: ", fresh.reason));
      co_return;
    }
    if (fresh.kind == credentials::FreshToken::Kind::kCancelled) co_return;
    if (Usable(fresh)) token = fresh.access_token;
  } else if (!target.enabled && target.credential.expires_at_ms > 0 &&
             absl::ToUnixMillis(pool_.clock().Now()) >= target.credential.expires_at_ms) {
    Failed(target.name, 0, "the access token has expired, and a disabled account is not refreshed");
    co_return;
  }
  const std::string url =
      options_.usage_url.empty()
          ? absl::StrCat(target.credential.upstream, std::string(credentials::kOAuthUsagePath))
          : options_.usage_url;
  net::HttpOutcome outcome = co_await Fetch(url, token, true);
  if (outcome.ok() && outcome.response->status == 401 && target.enabled && refresher_ != nullptr) {
    // §7.7: one forced refresh, one more probe.
    const credentials::FreshToken fresh = co_await refresher_->EnsureFresh(target.name, token);
    if (Usable(fresh) && fresh.access_token != token) {
      outcome = co_await Fetch(url, fresh.access_token, true);
    }
  }
  if (!outcome.ok() || outcome.response->status / 100 != 2) {
    const int status = outcome.ok() ? outcome.response->status : 0;
    if (status == 429) pacing_.OnRateLimited();
    Failed(target.name, status, FailureText(outcome));
    co_return;
  }
  absl::StatusOr<core::UsageReport> report = core::ParseOAuthUsage(outcome.response->body);
  if (!report.ok()) {
    Failed(target.name, outcome.response->status, core::OneLine(report.status()));
    co_return;
  }
  pacing_.OnSuccess();
  pool_.RecordProbeReading(target.name, *report);
}

void QuotaProber::Failed(const std::string& account, int status, std::string message) {
  const std::string text = message;
  const pool::ProbeFailureCount count = pool_.RecordProbeFailure(
      account, status > 0 ? std::optional<int>(status) : std::nullopt, std::move(message));
  if (!log_) return;
  if (count.latched_dead) {
    log_(absl::StrCat("account ", account,
                      ": the usage endpoint refused its token three times in a row (401); it "
                      "needs a new login (maxpool login ",
                      account, ")"));
  }
  if (count.failures == kLoudFailureStreak ||
      (count.failures > kLoudFailureStreak &&
       (count.failures - kLoudFailureStreak) % kLoudFailureEvery == 0)) {
    log_(absl::StrCat(
        "account ", account, ": ", count.failures,
        " usage probes in a row failed; its quota reading is not being refreshed: ", text));
  }
}

}  // namespace maxpool::server
