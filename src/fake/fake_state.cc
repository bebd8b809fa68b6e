#include "fake/fake_state.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/absl_view.h"

namespace maxpool::fake {

std::optional<std::string> RecordedRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(core::AbslView(n), core::AbslView(name))) return v;
  }
  return std::nullopt;
}

FakeState::FakeState(const core::Clock& clock, size_t max_recorded)
    : clock_(clock), max_recorded_(max_recorded) {}

absl::Status FakeState::AddAccount(FakeAccountSpec spec) {
  if (spec.credential.empty()) return absl::InvalidArgumentError("account: empty credential");
  const absl::Time now = clock_.Now();
  std::string credential = spec.credential;
  std::deque<Behaviour> script(spec.script.begin(), spec.script.end());
  Behaviour default_behaviour = spec.default_behaviour;
  absl::MutexLock lock(&mu_);
  if (spec.type == AccountType::kOAuth) {
    oauth_.Register(credential, spec.name, spec.oauth, now);
  } else {
    oauth_.Forget(credential);
  }
  accounts_.insert_or_assign(
      credential, Entry{FakeAccount(std::move(spec), now), std::move(script), default_behaviour});
  stats_.try_emplace(credential);
  return absl::OkStatus();
}

absl::Status FakeState::Script(std::string_view credential, std::vector<Behaviour> behaviours,
                               ScriptMode mode) {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end()) return absl::NotFoundError("unknown credential");
  if (mode == ScriptMode::kReplace) it->second.script.clear();
  for (Behaviour& b : behaviours) it->second.script.push_back(std::move(b));
  return absl::OkStatus();
}

absl::Status FakeState::SetDefault(std::string_view credential, Behaviour behaviour) {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end()) return absl::NotFoundError("unknown credential");
  it->second.default_behaviour = std::move(behaviour);
  return absl::OkStatus();
}

std::optional<AccountType> FakeState::Lookup(std::string_view credential) const {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end()) return std::nullopt;
  return it->second.account.type();
}

std::optional<FakeState::Admission> FakeState::Admit(std::string_view credential) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end()) return std::nullopt;
  Entry& entry = it->second;
  CredentialStats& stats = stats_[std::string(credential)];
  ++stats.requests;
  ++stats.in_flight;
  stats.max_in_flight = std::max(stats.max_in_flight, stats.in_flight);
  entry.account.Roll(now);
  Admission admission;
  admission.type = entry.account.type();
  if (!entry.script.empty()) {
    admission.behaviour = std::move(entry.script.front());
    entry.script.pop_front();
  } else {
    admission.behaviour = entry.default_behaviour;
  }
  admission.exhausted = entry.account.Exhausted();
  admission.quota = entry.account.Snapshot();
  return admission;
}

QuotaSnapshot FakeState::Spend(std::string_view credential, int64_t input_tokens,
                               int64_t output_tokens) {
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end()) return QuotaSnapshot{};
  it->second.account.Spend(input_tokens, output_tokens);
  return it->second.account.Snapshot();
}

void FakeState::Finish(std::string_view credential, const Finished& finished) {
  absl::MutexLock lock(&mu_);
  CredentialStats& stats = stats_[std::string(credential)];
  --stats.in_flight;
  if (finished.complete) {
    stats.input_tokens += finished.input_tokens;
    stats.output_tokens += finished.output_tokens;
    if (finished.stream) ++stats.streams_completed;
  }
}

FakeState::BearerResolution FakeState::ResolveBearer(std::string_view token) const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  BearerResolution out;
  OAuthRegistry::Resolution r = oauth_.Resolve(token, now);
  if (r.status != TokenStatus::kUnknown) {
    out.status = r.status;
    out.credential = std::move(r.credential);
    return out;
  }
  auto it = accounts_.find(core::AbslView(token));
  if (it == accounts_.end()) return out;
  out.status = TokenStatus::kValid;
  out.credential = std::string(token);
  out.type = it->second.account.type();
  return out;
}

TokenOutcome FakeState::ExchangeToken(const TokenRequest& request) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.Exchange(request, now);
}

absl::StatusOr<std::string> FakeState::MintAuthCode(std::string_view credential,
                                                    std::string_view code_challenge,
                                                    std::string_view state,
                                                    std::string_view redirect_uri) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.MintCode(credential, code_challenge, state, redirect_uri, now);
}

absl::Status FakeState::UpdateOAuth(std::string_view credential, const OAuthAccountSpec& update) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.Update(credential, update, now);
}

absl::Status FakeState::ExpireAccessTokens(std::string_view credential) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.Expire(credential, now);
}

void FakeState::ScriptTokenFaults(std::vector<TokenFault> faults, ScriptMode mode) {
  absl::MutexLock lock(&mu_);
  oauth_.Script(std::move(faults), mode == ScriptMode::kReplace);
}

void FakeState::SetDefaultTokenFault(TokenFault fault) {
  absl::MutexLock lock(&mu_);
  oauth_.SetDefault(std::move(fault));
}

std::optional<FakeState::OAuthResource> FakeState::ReadOAuthResource(std::string_view credential,
                                                                     OAuthRegistry::Call call) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = accounts_.find(core::AbslView(credential));
  if (it == accounts_.end() || it->second.account.type() != AccountType::kOAuth) {
    return std::nullopt;
  }
  std::optional<OAuthIdentity> identity = oauth_.Identity(credential);
  if (!identity) return std::nullopt;
  oauth_.CountCall(credential, call);
  it->second.account.Roll(now);
  return OAuthResource{*std::move(identity), it->second.account.Snapshot()};
}

std::optional<OAuthAccountView> FakeState::OAuthAccount(std::string_view credential) const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.Account(credential, now);
}

int64_t FakeState::TokenCalls() const {
  absl::MutexLock lock(&mu_);
  return oauth_.token_calls();
}

std::vector<PresentedRefresh> FakeState::PresentedRefreshTokens() const {
  absl::MutexLock lock(&mu_);
  return oauth_.Presented();
}

boost::json::object FakeState::OAuthJson() const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return oauth_.ToJson(now);
}

void FakeState::Record(RecordedRequest request) {
  if (max_recorded_ == 0) return;
  absl::MutexLock lock(&mu_);
  if (requests_.size() >= max_recorded_) requests_.pop_front();
  requests_.push_back(std::move(request));
}

std::vector<RecordedRequest> FakeState::Requests() const {
  absl::MutexLock lock(&mu_);
  return std::vector<RecordedRequest>(requests_.begin(), requests_.end());
}

size_t FakeState::ClearRequests() {
  absl::MutexLock lock(&mu_);
  const size_t n = requests_.size();
  requests_.clear();
  return n;
}

std::map<std::string, CredentialStats> FakeState::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

boost::json::object FakeState::AccountsJson() const {
  absl::MutexLock lock(&mu_);
  boost::json::object out;
  for (const auto& [credential, entry] : accounts_) {
    boost::json::object obj = entry.account.ToJson();
    obj["script_remaining"] = entry.script.size();
    obj["default"] = BehaviourToJson(entry.default_behaviour);
    out[credential] = std::move(obj);
  }
  return out;
}

}  // namespace maxpool::fake
