#include "pool/pool_memory.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "core/model_family.h"

namespace maxpool::pool {
namespace json = boost::json;

namespace {

constexpr int64_t kVersion = 1;

// --- Writing ----------------------------------------------------------------------------------

void PutTime(json::object& o, std::string_view key, const std::optional<absl::Time>& t) {
  if (t) o[key] = absl::ToUnixMillis(*t);
}
void PutDouble(json::object& o, std::string_view key, const std::optional<double>& v) {
  if (v && std::isfinite(*v)) o[key] = *v;
}
void PutInt(json::object& o, std::string_view key, const std::optional<int64_t>& v) {
  if (v) o[key] = *v;
}

std::string_view StatusName(core::UnifiedStatus status) {
  switch (status) {
    case core::UnifiedStatus::kAllowed:
      return "allowed";
    case core::UnifiedStatus::kAllowedWarning:
      return "allowed_warning";
    case core::UnifiedStatus::kRejected:
      return "rejected";
    case core::UnifiedStatus::kUnknown:
      break;
  }
  return "unknown";
}

json::object QuotaJson(const core::QuotaReading& q) {
  json::object o;
  PutDouble(o, "unified5h", q.unified_5h);
  PutDouble(o, "unified7d", q.unified_7d);
  PutDouble(o, "unified5hRaw", q.unified_5h_raw);
  PutDouble(o, "unified7dRaw", q.unified_7d_raw);
  PutTime(o, "unified5hReset", q.unified_5h_reset);
  PutTime(o, "unified7dReset", q.unified_7d_reset);
  o["unifiedStatus"] = StatusName(q.unified_status);
  json::object scoped;
  for (core::ModelFamily family : core::kModelFamilies) {
    const std::optional<core::ScopedWeekly>& entry = q.scoped_weekly[core::FamilyIndex(family)];
    if (!entry) continue;
    json::object e;
    e["utilization"] = entry->utilization;
    PutTime(e, "resetAt", entry->reset_at);
    if (!entry->severity.empty()) e["severity"] = entry->severity;
    e["isActive"] = entry->is_active;
    e["reactive"] = entry->reactive;
    scoped[core::ModelFamilyName(family)] = std::move(e);
  }
  if (!scoped.empty()) o["scopedWeekly"] = std::move(scoped);
  if (q.weekly_absent) o["weeklyAbsent"] = true;
  PutInt(o, "tokensLimit", q.tokens_limit);
  PutInt(o, "tokensRemaining", q.tokens_remaining);
  PutInt(o, "requestsLimit", q.requests_limit);
  PutInt(o, "requestsRemaining", q.requests_remaining);
  PutTime(o, "resetsAt", q.resets_at);
  PutInt(o, "genericLimit", q.generic_limit);
  PutInt(o, "genericRemaining", q.generic_remaining);
  PutTime(o, "genericReset", q.generic_reset);
  PutDouble(o, "providerSes", q.provider_ses);
  PutDouble(o, "providerWk", q.provider_wk);
  PutTime(o, "providerSesReset", q.provider_ses_reset);
  PutTime(o, "providerWkReset", q.provider_wk_reset);
  PutTime(o, "lastProbeOkAt", q.last_probe_ok_at);
  PutTime(o, "lastHeaderQuotaAt", q.last_header_quota_at);
  return o;
}

// --- Reading ----------------------------------------------------------------------------------

// Reads fields of one object, remembering the first type error with its path.
class Reader {
 public:
  Reader(const json::object& o, std::string path, std::string* error)
      : o_(o), path_(std::move(path)), error_(error) {}

  const json::value* Get(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }
  std::optional<double> Double(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_double()) return v->as_double();
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    Fail(key, "a number");
    return std::nullopt;
  }
  std::optional<int64_t> Int(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(v->as_uint64());
    }
    if (v->is_double() && std::isfinite(v->as_double()) &&
        std::trunc(v->as_double()) == v->as_double() && std::fabs(v->as_double()) < 9e15) {
      return static_cast<int64_t>(v->as_double());
    }
    Fail(key, "a whole number");
    return std::nullopt;
  }
  std::optional<absl::Time> Time(std::string_view key) {
    const std::optional<int64_t> ms = Int(key);
    if (!ms) return std::nullopt;
    return absl::FromUnixMillis(*ms);
  }
  std::string String(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return "";
    if (v->is_string()) return std::string(v->as_string());
    Fail(key, "a string");
    return "";
  }
  bool Bool(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return false;
    if (v->is_bool()) return v->as_bool();
    Fail(key, "true or false");
    return false;
  }
  const json::object* Object(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return nullptr;
    if (v->is_object()) return &v->as_object();
    Fail(key, "an object");
    return nullptr;
  }
  const json::array* Array(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return nullptr;
    if (v->is_array()) return &v->as_array();
    Fail(key, "an array");
    return nullptr;
  }
  std::string PathOf(std::string_view key) const { return path_ + "." + std::string(key); }
  void Fail(std::string_view key, std::string_view what) {
    if (error_->empty()) *error_ = PathOf(key) + ": must be " + std::string(what);
  }

 private:
  const json::object& o_;
  std::string path_;
  std::string* error_;
};

core::UnifiedStatus StatusOf(const std::string& name) {
  if (name == "allowed") return core::UnifiedStatus::kAllowed;
  if (name == "allowed_warning") return core::UnifiedStatus::kAllowedWarning;
  if (name == "rejected") return core::UnifiedStatus::kRejected;
  return core::UnifiedStatus::kUnknown;
}

core::QuotaReading QuotaOf(Reader& r, std::string* error) {
  core::QuotaReading q;
  q.unified_5h = r.Double("unified5h");
  q.unified_7d = r.Double("unified7d");
  q.unified_5h_raw = r.Double("unified5hRaw");
  q.unified_7d_raw = r.Double("unified7dRaw");
  q.unified_5h_reset = r.Time("unified5hReset");
  q.unified_7d_reset = r.Time("unified7dReset");
  q.unified_status = StatusOf(r.String("unifiedStatus"));
  if (const json::object* scoped = r.Object("scopedWeekly")) {
    for (const auto& [name, value] : *scoped) {
      std::optional<core::ModelFamily> family;
      for (core::ModelFamily f : core::kModelFamilies) {
        if (core::ModelFamilyName(f) == std::string_view(name)) family = f;
      }
      if (!family || !value.is_object()) continue;
      Reader e(value.as_object(), r.PathOf(absl::StrCat("scopedWeekly.", std::string(name))),
               error);
      core::ScopedWeekly entry;
      entry.utilization = e.Double("utilization").value_or(0);
      entry.reset_at = e.Time("resetAt");
      entry.severity = e.String("severity");
      entry.is_active = e.Get("isActive") == nullptr || e.Bool("isActive");
      entry.reactive = e.Bool("reactive");
      q.scoped_weekly[core::FamilyIndex(*family)] = std::move(entry);
    }
  }
  q.weekly_absent = r.Bool("weeklyAbsent");
  q.tokens_limit = r.Int("tokensLimit");
  q.tokens_remaining = r.Int("tokensRemaining");
  q.requests_limit = r.Int("requestsLimit");
  q.requests_remaining = r.Int("requestsRemaining");
  q.resets_at = r.Time("resetsAt");
  q.generic_limit = r.Int("genericLimit");
  q.generic_remaining = r.Int("genericRemaining");
  q.generic_reset = r.Time("genericReset");
  q.provider_ses = r.Double("providerSes");
  q.provider_wk = r.Double("providerWk");
  q.provider_ses_reset = r.Time("providerSesReset");
  q.provider_wk_reset = r.Time("providerWkReset");
  q.last_probe_ok_at = r.Time("lastProbeOkAt");
  q.last_header_quota_at = r.Time("lastHeaderQuotaAt");
  return q;
}

}  // namespace

std::string Encode(const PoolMemory& memory) {
  json::object root;
  root["version"] = kVersion;
  root["savedAt"] = absl::ToUnixMillis(memory.saved_at);
  json::array accounts;
  for (const AccountMemory& a : memory.accounts) {
    json::object o;
    o["name"] = a.name;
    if (!a.uuid.empty()) o["uuid"] = a.uuid;
    o["quota"] = QuotaJson(a.quota);
    PutTime(o, "rateLimitedUntil", a.rate_limited_until);
    PutTime(o, "cooldownUntil", a.cooldown_until);
    if (a.consecutive_failures != 0) o["consecutiveFailures"] = a.consecutive_failures;
    if (!a.last_error.empty()) o["lastError"] = a.last_error;
    PutTime(o, "lastErrorAt", a.last_error_at);
    if (a.dead) {
      o["dead"] = true;
      o["credentialFingerprint"] = a.credential_fingerprint;
    }
    accounts.push_back(std::move(o));
  }
  root["accounts"] = std::move(accounts);
  json::array sessions;
  for (const SessionMemory& s : memory.sessions) {
    json::object o;
    o["key"] = s.key;
    o["home"] = s.home;
    o["homePriority"] = s.home_priority;
    o["current"] = s.current;
    o["lastUsed"] = absl::ToUnixMillis(s.last_used);
    sessions.push_back(std::move(o));
  }
  root["sessions"] = std::move(sessions);
  if (memory.breaker) {
    json::object o;
    o["openedAt"] = absl::ToUnixMillis(memory.breaker->opened_at);
    o["until"] = absl::ToUnixMillis(memory.breaker->until);
    o["reason"] = memory.breaker->reason;
    root["breaker"] = std::move(o);
  }
  return json::serialize(root) + "\n";
}

absl::StatusOr<PoolMemory> Decode(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("not JSON: ", ec.message()));
  if (!root.is_object()) return absl::InvalidArgumentError("not a JSON object");
  std::string error;
  Reader r(root.as_object(), "$", &error);
  const std::optional<int64_t> version = r.Int("version");
  if (!version) return absl::InvalidArgumentError("$.version: missing");
  if (*version != kVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "$.version: ", *version, " is not a version this maxpool reads (", kVersion, ")"));
  }
  PoolMemory memory;
  memory.saved_at = r.Time("savedAt").value_or(absl::UnixEpoch());
  if (const json::array* accounts = r.Array("accounts")) {
    for (size_t i = 0; i < accounts->size(); ++i) {
      const std::string path = absl::StrCat("$.accounts[", i, "]");
      if (!(*accounts)[i].is_object()) return absl::InvalidArgumentError(path + ": not an object");
      Reader a((*accounts)[i].as_object(), path, &error);
      AccountMemory m;
      m.name = a.String("name");
      if (m.name.empty() && error.empty()) error = path + ".name: missing";
      m.uuid = a.String("uuid");
      if (const json::object* quota = a.Object("quota")) {
        Reader q(*quota, path + ".quota", &error);
        m.quota = QuotaOf(q, &error);
      }
      m.rate_limited_until = a.Time("rateLimitedUntil");
      m.cooldown_until = a.Time("cooldownUntil");
      m.consecutive_failures = static_cast<int>(a.Int("consecutiveFailures").value_or(0));
      m.last_error = a.String("lastError");
      m.last_error_at = a.Time("lastErrorAt");
      m.dead = a.Bool("dead");
      m.credential_fingerprint = a.String("credentialFingerprint");
      memory.accounts.push_back(std::move(m));
    }
  }
  if (const json::array* sessions = r.Array("sessions")) {
    for (size_t i = 0; i < sessions->size(); ++i) {
      const std::string path = absl::StrCat("$.sessions[", i, "]");
      if (!(*sessions)[i].is_object()) return absl::InvalidArgumentError(path + ": not an object");
      Reader s((*sessions)[i].as_object(), path, &error);
      SessionMemory m;
      m.key = s.String("key");
      m.home = s.String("home");
      m.home_priority = s.Double("homePriority").value_or(0);
      m.current = s.String("current");
      m.last_used = s.Time("lastUsed").value_or(absl::UnixEpoch());
      if (!m.key.empty() && !m.home.empty()) memory.sessions.push_back(std::move(m));
    }
  }
  if (const json::object* breaker = r.Object("breaker")) {
    Reader b(*breaker, "$.breaker", &error);
    const std::optional<absl::Time> opened_at = b.Time("openedAt");
    const std::optional<absl::Time> until = b.Time("until");
    if (opened_at && until) memory.breaker = BreakerMemory{*opened_at, *until, b.String("reason")};
  }
  if (!error.empty()) return absl::InvalidArgumentError(error);
  return memory;
}

}  // namespace maxpool::pool
