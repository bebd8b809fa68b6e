#include "fake/oauth_identity.h"

#include "absl/strings/ascii.h"
#include "boost/json/object.hpp"
#include "boost/json/serialize.hpp"
#include "core/absl_view.h"
#include "fake/oauth_crypto.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr std::string_view kCreatedAt = "2024-10-22T07:21:47.099776Z";
constexpr std::string_view kClaudeCodeAppUuid = "c2d6b0a4-5f1e-4f0e-9a57-6b1d3c0e8a11";

boost::json::string_view J(std::string_view s) { return {s.data(), s.size()}; }

std::string EmailLocalPart(std::string_view display_name) {
  std::string out;
  for (char c : display_name) {
    const char lower = absl::ascii_tolower(static_cast<unsigned char>(c));
    const bool keep = absl::ascii_isalnum(static_cast<unsigned char>(lower)) || lower == '.' ||
                      lower == '_' || lower == '-';
    out += keep ? lower : '-';
  }
  return out.empty() ? std::string("user") : out;
}

}  // namespace

OAuthIdentity ResolveIdentity(std::string_view credential, std::string_view name,
                              const OAuthAccountSpec& spec) {
  OAuthIdentity id;
  id.uuid = spec.uuid.value_or(UuidFromSeed(Cat("account:", credential)));
  id.display_name = spec.display_name.value_or(name.empty() ? Cat("user-", id.uuid.substr(0, 8))
                                                            : std::string(name));
  id.email = spec.email.value_or(Cat(EmailLocalPart(id.display_name), "@example.com"));
  id.organization_uuid = spec.organization_uuid.value_or(UuidFromSeed(Cat("org:", credential)));
  id.organization_name = spec.organization_name.value_or(Cat(id.display_name, "'s Organization"));
  id.tier = spec.tier.value_or("max");
  id.scope = spec.scope.value_or(std::string(kLoginScopes));
  return id;
}

std::string_view OrganizationType(std::string_view tier) {
  if (tier == "pro") return "claude_pro";
  if (tier == "team") return "claude_team";
  if (tier == "enterprise") return "claude_enterprise";
  return "claude_max";
}

std::string_view RateLimitTier(std::string_view tier) {
  if (tier == "max" || tier == "max_5x") return "default_claude_max_5x";
  if (tier == "max_20x") return "default_claude_max_20x";
  return "default_claude_ai";
}

std::string ProfileJson(const OAuthIdentity& id) {
  const bool max = id.tier.rfind("max", 0) == 0;
  boost::json::object account{{"uuid", id.uuid},
                              {"full_name", id.display_name},
                              {"display_name", id.display_name},
                              {"email", id.email},
                              {"has_claude_max", max},
                              {"has_claude_pro", id.tier == "pro"},
                              {"created_at", J(kCreatedAt)}};
  boost::json::object organization{{"uuid", id.organization_uuid},
                                   {"name", id.organization_name},
                                   {"organization_type", J(OrganizationType(id.tier))},
                                   {"billing_type", "stripe_subscription"},
                                   {"rate_limit_tier", J(RateLimitTier(id.tier))},
                                   {"seat_tier", nullptr},
                                   {"has_extra_usage_enabled", false},
                                   {"subscription_status", "active"},
                                   {"subscription_created_at", J(kCreatedAt)}};
  boost::json::object application{
      {"uuid", J(kClaudeCodeAppUuid)}, {"name", "Claude Code"}, {"slug", "claude-code"}};
  return boost::json::serialize(boost::json::object{{"account", std::move(account)},
                                                    {"organization", std::move(organization)},
                                                    {"application", std::move(application)}});
}

}  // namespace maxpool::fake
