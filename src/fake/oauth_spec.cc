#include "fake/oauth_spec.h"

#include <array>
#include <cmath>

#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr std::array<std::string_view, 6> kTiers = {"max", "max_5x", "max_20x",
                                                    "pro", "team",   "enterprise"};

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(Cat("account field \"", field, "\": ", what));
}

std::optional<double> AsNumber(const boost::json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

std::string Str(const boost::json::string& s) { return std::string(s.data(), s.size()); }

template <class T>
void Take(std::optional<T>& base, const std::optional<T>& update) {
  if (update) base = update;
}

}  // namespace

bool IsKnownTier(std::string_view tier) {
  for (std::string_view t : kTiers) {
    if (t == tier) return true;
  }
  return false;
}

std::optional<absl::Status> ParseOAuthSpecField(std::string_view key,
                                                const boost::json::value& value,
                                                OAuthAccountSpec& spec) {
  if (key == "expires_in" || key == "expires_at") {
    const std::optional<double> n = AsNumber(value);
    if (!n || *n < 0 || !std::isfinite(*n)) return FieldError(key, "expected a number >= 0");
    if (key == "expires_in") {
      spec.expires_in = absl::Seconds(*n);
    } else {
      spec.expires_at = absl::FromUnixMillis(static_cast<int64_t>(*n));
    }
    return absl::OkStatus();
  }
  if (key == "revoke_old_access") {
    if (!value.is_bool()) return FieldError(key, "expected a boolean");
    spec.revoke_old_access = value.get_bool();
    return absl::OkStatus();
  }
  if (key == "organization" && value.is_object()) {
    for (const auto& [k, v] : value.get_object()) {
      const std::string_view sub(k.data(), k.size());
      if ((sub != "uuid" && sub != "name") || !v.is_string()) {
        return FieldError(key, "expected {\"uuid\":string, \"name\":string}");
      }
      (sub == "uuid" ? spec.organization_uuid : spec.organization_name) = Str(v.get_string());
    }
    return absl::OkStatus();
  }
  std::optional<std::string>* target = nullptr;
  if (key == "refresh_token") target = &spec.refresh_token;
  if (key == "uuid") target = &spec.uuid;
  if (key == "email") target = &spec.email;
  if (key == "display_name") target = &spec.display_name;
  if (key == "organization") target = &spec.organization_name;
  if (key == "organization_uuid") target = &spec.organization_uuid;
  if (key == "tier") target = &spec.tier;
  if (key == "scope") target = &spec.scope;
  if (target == nullptr) return std::nullopt;
  if (!value.is_string()) return FieldError(key, "expected a string");
  std::string text = Str(value.get_string());
  if (key == "tier" && !IsKnownTier(text)) {
    return FieldError(key, "expected max, max_5x, max_20x, pro, team or enterprise");
  }
  if (text.empty() && key != "scope") return FieldError(key, "must not be empty");
  *target = std::move(text);
  return absl::OkStatus();
}

void OverlayOAuthSpec(OAuthAccountSpec& base, const OAuthAccountSpec& update) {
  Take(base.refresh_token, update.refresh_token);
  Take(base.expires_in, update.expires_in);
  Take(base.expires_at, update.expires_at);
  Take(base.uuid, update.uuid);
  Take(base.email, update.email);
  Take(base.display_name, update.display_name);
  Take(base.organization_name, update.organization_name);
  Take(base.organization_uuid, update.organization_uuid);
  Take(base.tier, update.tier);
  Take(base.scope, update.scope);
  Take(base.revoke_old_access, update.revoke_old_access);
}

}  // namespace maxpool::fake
