#include "control/account_view.h"

#include <string>

#include "config/account_diff.h"
#include "control/resource_name.h"
#include "control/telemetry_view.h"
#include "control/time_proto.h"
#include "credentials/redact.h"
#include "google/protobuf/util/time_util.h"
#include "pool/account_state.h"

namespace maxpool::control {
namespace {

v1::AccountType TypeOf(std::string_view type) {
  if (type == "oauth") return v1::ACCOUNT_TYPE_OAUTH;
  if (type == "apikey") return v1::ACCOUNT_TYPE_API_KEY;
  if (type == "provider") return v1::ACCOUNT_TYPE_PROVIDER;
  return v1::ACCOUNT_TYPE_UNSPECIFIED;
}

v1::Provider ProviderOf(core::Provider provider) {
  switch (provider) {
    case core::Provider::kAnthropic:
      return v1::PROVIDER_ANTHROPIC;
    case core::Provider::kZai:
      return v1::PROVIDER_ZAI;
    case core::Provider::kKimi:
      return v1::PROVIDER_KIMI;
  }
  return v1::PROVIDER_UNSPECIFIED;
}

v1::Provider ProviderOf(const v1::AccountConfig& entry) {
  if (entry.type() != "provider") return v1::PROVIDER_ANTHROPIC;
  if (entry.provider() == "zai") return v1::PROVIDER_ZAI;
  if (entry.provider() == "kimi") return v1::PROVIDER_KIMI;
  return v1::PROVIDER_UNSPECIFIED;
}

v1::CredentialKind KindOf(v1::AccountType type) {
  switch (type) {
    case v1::ACCOUNT_TYPE_OAUTH:
      return v1::CREDENTIAL_KIND_OAUTH_TOKENS;
    case v1::ACCOUNT_TYPE_API_KEY:
      return v1::CREDENTIAL_KIND_API_KEY;
    case v1::ACCOUNT_TYPE_PROVIDER:
      return v1::CREDENTIAL_KIND_PROVIDER_KEY;
    default:
      return v1::CREDENTIAL_KIND_UNSPECIFIED;
  }
}

// The secret the entry would authenticate with (the pool's credential when it is not running).
std::string_view EntrySecret(const v1::AccountConfig& entry) {
  if (entry.type() == "oauth") return entry.access_token();
  if (entry.type() == "provider" && !entry.auth_token().empty()) return entry.auth_token();
  return entry.api_key();
}

}  // namespace

v1::Account MakeAccountView(std::string_view id, const AccountParts& parts,
                            const core::SchedulerSettings& settings, absl::Time now) {
  v1::Account out;
  out.set_name(AccountName(id));
  const v1::AccountConfig* entry = parts.entry;
  if (parts.live != nullptr) {
    const core::AccountSettings& s = parts.live->settings;
    out.set_type(ToProto(s.type));
    out.set_provider(ProviderOf(s.provider));
    out.set_enabled(s.enabled);
    out.set_priority(s.priority);
    if (s.cap_utilization.has_value()) out.set_usage_cap(*s.cap_utilization);
    for (const std::string& profile : s.profiles) out.add_profiles(profile);
    const pool::AccountStateView state = pool::DescribeAccountState(*parts.live, settings, now);
    out.set_state(ToProto(state.state));
    if (state.until != absl::InfiniteFuture()) SetTimestamp(state.until, out.mutable_state_until());
    out.set_state_reason(state.reason);
    out.set_in_flight(parts.live->state.in_flight);
    out.mutable_credential()->set_refresh_dead(parts.live->state.refresh_dead);
  } else if (entry != nullptr) {
    out.set_type(TypeOf(entry->type()));
    out.set_provider(ProviderOf(*entry));
    out.set_enabled(!entry->has_enabled() || entry->enabled());
    out.set_priority(entry->priority());
    if (entry->has_cap_utilization() && entry->cap_utilization() > 0 &&
        entry->cap_utilization() < 1) {
      out.set_usage_cap(entry->cap_utilization());
    }
    for (const std::string& profile : entry->profiles()) out.add_profiles(profile);
  }

  if (entry != nullptr && entry->has_upstream() && !entry->upstream().empty()) {
    out.set_upstream(entry->upstream());
  } else if (parts.credential != nullptr && !parts.credential->upstream.empty() &&
             parts.credential->upstream != parts.default_upstream) {
    out.set_upstream(parts.credential->upstream);
  }

  v1::CredentialInfo* credential = out.mutable_credential();
  credential->set_kind(KindOf(out.type()));
  if (parts.credential != nullptr) {
    credential->set_fingerprint(credentials::Fingerprint(parts.credential->secret));
  } else if (entry != nullptr && !EntrySecret(*entry).empty()) {
    credential->set_fingerprint(credentials::Fingerprint(EntrySecret(*entry)));
  }

  if (entry != nullptr) {
    out.set_display_name(entry->display_name());
    out.set_email(entry->email());
    out.set_organization(entry->organization());
    out.set_account_uuid(entry->account_uuid());
    if (entry->type() == "oauth") {
      credential->set_refreshable(!entry->refresh_token().empty());
      if (entry->expires_at() > 0) {
        *credential->mutable_expire_time() =
            google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
                config::NormalizeExpiryMs(entry->expires_at()));
      }
    }
  }
  return out;
}

}  // namespace maxpool::control
