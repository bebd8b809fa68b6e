#include "credentials/profile.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "boost/json/value.hpp"
#include "config/json_text.h"
#include "credentials/json_fields.h"

namespace maxpool::credentials {
namespace {

namespace json = boost::json;

// Copies an optional string field into `out` (left empty when absent).
absl::Status CopyString(const json::object& object, std::string_view key, std::string_view field,
                        std::string& out) {
  absl::StatusOr<std::optional<std::string>> value = internal::OptionalString(object, key, field);
  if (!value.ok()) return value.status();
  if (value->has_value()) out = **std::move(value);
  return absl::OkStatus();
}

// Claude Code's organization_type → subscription mapping (wire §5.4).
std::string TierOfOrganizationType(std::string_view type) {
  if (type == "claude_max") return "max";
  if (type == "claude_pro") return "pro";
  if (type == "claude_team") return "team";
  if (type == "claude_enterprise") return "enterprise";
  return "";
}

absl::StatusOr<Profile> ParseProfileObject(const json::object& root) {
  Profile profile;
  absl::StatusOr<const json::object*> account =
      internal::OptionalObject(root, "account", "account");
  if (!account.ok()) return account.status();
  if (*account == nullptr) return absl::InvalidArgumentError("account is missing");
  const json::object& acc = **account;
  if (absl::Status s = CopyString(acc, "uuid", "account.uuid", profile.uuid); !s.ok()) return s;
  if (profile.uuid.empty()) return absl::InvalidArgumentError("account.uuid is missing");
  if (absl::Status s = CopyString(acc, "email", "account.email", profile.email); !s.ok()) return s;
  if (absl::Status s =
          CopyString(acc, "display_name", "account.display_name", profile.display_name);
      !s.ok()) {
    return s;
  }
  auto has_max = internal::OptionalBool(acc, "has_claude_max", "account.has_claude_max");
  if (!has_max.ok()) return has_max.status();
  auto has_pro = internal::OptionalBool(acc, "has_claude_pro", "account.has_claude_pro");
  if (!has_pro.ok()) return has_pro.status();

  absl::StatusOr<const json::object*> organization =
      internal::OptionalObject(root, "organization", "organization");
  if (!organization.ok()) return organization.status();
  if (*organization != nullptr) {
    const json::object& org = **organization;
    if (absl::Status s = CopyString(org, "uuid", "organization.uuid", profile.organization_uuid);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CopyString(org, "name", "organization.name", profile.organization_name);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CopyString(org, "organization_type", "organization.organization_type",
                                    profile.organization_type);
        !s.ok()) {
      return s;
    }
  }

  if (has_max->value_or(false)) {
    profile.tier = "max";
  } else if (has_pro->value_or(false)) {
    profile.tier = "pro";
  } else {
    profile.tier = TierOfOrganizationType(profile.organization_type);
  }
  return profile;
}

}  // namespace

absl::StatusOr<Profile> ParseProfile(std::string_view body) {
  absl::StatusOr<json::value> value = config::ParseJsonText(body);
  if (!value.ok() || !value->is_object()) {
    return absl::InvalidArgumentError("profile response: the body is not a JSON object");
  }
  absl::StatusOr<Profile> profile = ParseProfileObject(value->get_object());
  if (!profile.ok()) return internal::WithContext(profile.status(), "profile response: ");
  return profile;
}

}  // namespace maxpool::credentials
