#include "config/config_backfill.h"

#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/config_defaults.h"
#include "config/json_proto_codec.h"

namespace maxpool::config {
namespace {

namespace json = boost::json;

// Adds every key of `defaults` that `target` lacks; recurses where both sides are objects.
void MergeMissing(json::object& target, const json::object& defaults) {
  for (const auto& entry : defaults) {
    json::value* present = target.if_contains(entry.key());
    if (present == nullptr) {
      target[entry.key()] = entry.value();
    } else if (present->is_object() && entry.value().is_object()) {
      MergeMissing(present->get_object(), entry.value().get_object());
    }
  }
}

// Spec §12.3 (the reference's mergePeakDefaults): per provider, per key, by presence.
void MergePeakDefaults(json::object& scheduler) {
  const json::value* version = scheduler.if_contains("peakDefaultsVersion");
  const bool seeded =
      version != nullptr && version->is_number() && version->to_number<double>() >= 1;
  if (seeded) return;  // already seeded: respect the user's edits, even a removed provider
  // A version of the wrong type is left for the schema to reject.
  if (version != nullptr && !version->is_null() && !version->is_number()) return;
  json::value& providers = scheduler["providers"];
  if (providers.is_null()) providers = json::object();
  if (!providers.is_object()) return;  // the schema rejects it
  for (const auto& seed : PeakDefaultsJson()) {
    json::value& existing = providers.get_object()[seed.key()];
    if (existing.is_null()) existing = json::object();
    if (existing.is_object()) MergeMissing(existing.get_object(), seed.value().get_object());
  }
  scheduler["peakDefaultsVersion"] = 1;
}

// Removes `object[key]` when it is present, not null and not a number; returns whether it did.
bool RemoveNonNumber(json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null() || value->is_number()) return false;
  object.erase(key);  // the order of this working copy does not matter
  return true;
}

// JSON equality where numbers compare by value (a double field writes 2.0 for a default of 2).
bool SameValue(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

// Removes `key` from `object` keeping the order of the other keys (boost::json::object::erase
// moves the last element into the hole).
void EraseKeepingOrder(json::object& object, std::string_view key) {
  json::object kept;
  kept.reserve(object.size());
  for (auto& entry : object) {
    if (entry.key() != key) kept.emplace(entry.key(), std::move(entry.value()));
  }
  object = std::move(kept);
}

void StripUnset(json::object& out, const json::object* file, const json::object& defaults) {
  for (const auto& entry : defaults) {
    json::value* written = out.if_contains(entry.key());
    if (written == nullptr) continue;
    const json::value* in_file = file == nullptr ? nullptr : file->if_contains(entry.key());
    if (entry.value().is_object()) {
      if (!written->is_object()) continue;
      StripUnset(written->get_object(),
                 in_file != nullptr && in_file->is_object() ? &in_file->get_object() : nullptr,
                 entry.value().get_object());
      if (written->get_object().empty() && in_file == nullptr) EraseKeepingOrder(out, entry.key());
    } else if (in_file == nullptr && SameValue(*written, entry.value())) {
      EraseKeepingOrder(out, entry.key());
    }
  }
}

}  // namespace

void BackFillDefaults(json::object& file) {
  json::value* scheduler = file.if_contains("scheduler");
  if (scheduler == nullptr) {
    file["scheduler"] = FileDefaultsJson().at("scheduler");
  } else if (scheduler->is_object()) {
    MergePeakDefaults(scheduler->get_object());
  }
  // scheduler.providers is not merged generically: the migration above owns it.
  json::object file_defaults = FileDefaultsJson();
  file_defaults["scheduler"].get_object().erase("providers");
  MergeMissing(file, file_defaults);
  MergeMissing(file, CodeDefaultsJson());
}

void RemoveTolerated(json::object& file, std::vector<std::string>& warnings) {
  if (json::value* accounts = file.if_contains("accounts"); accounts && accounts->is_array()) {
    json::array& array = accounts->get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_object()) continue;
      if (RemoveNonNumber(array[i].get_object(), "capUtilization")) {
        warnings.push_back(absl::StrCat("accounts[", i,
                                        "].capUtilization: not a number; the account has no "
                                        "usage cap"));
      }
    }
  }
  json::value* scheduler = file.if_contains("scheduler");
  if (scheduler == nullptr || !scheduler->is_object()) return;
  json::value* providers = scheduler->get_object().if_contains("providers");
  if (providers == nullptr || !providers->is_object()) return;
  for (auto& entry : providers->get_object()) {
    if (!entry.value().is_object()) continue;
    if (RemoveNonNumber(entry.value().get_object(), "peakCap")) {
      warnings.push_back(absl::StrCat(AppendKeyPath("scheduler.providers", entry.key()),
                                      ".peakCap: not a number; the default 0.5 applies"));
    }
  }
}

void StripUnsetCodeDefaults(json::object& out, const json::object& file) {
  StripUnset(out, &file, CodeDefaultsJson());
}

}  // namespace maxpool::config
