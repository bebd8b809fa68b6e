#include "control/account_catalog.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "config/account_names.h"
#include "control/account_view.h"

namespace maxpool::control {
namespace {

std::string ProviderNameOf(const v1::Config& config, int index) {
  const v1::ProviderAccount& p = config.providers(index);
  return p.has_name() ? p.name() : absl::StrCat(p.provider(), "-", index + 1);
}

std::string Trimmed(std::string upstream) {
  while (!upstream.empty() && upstream.back() == '/') upstream.pop_back();
  return upstream;
}

}  // namespace

std::string PoolNameOf(const v1::Config& config, int index) {
  const v1::AccountConfig& a = config.accounts(index);
  return config::AccountNameOf(a, index);
}

std::optional<int> FindEntry(const v1::Config& config, std::string_view id) {
  for (int i = 0; i < config.accounts_size(); ++i) {
    if (PoolNameOf(config, i) == id) return i;
  }
  return std::nullopt;
}

bool ConfigNameTaken(const v1::Config& config, std::string_view id) {
  if (FindEntry(config, id).has_value()) return true;
  for (int i = 0; i < config.providers_size(); ++i) {
    if (ProviderNameOf(config, i) == id) return true;
  }
  return false;
}

AccountCatalog AccountCatalog::Capture(const pool::Pool& pool, const v1::Config& config,
                                       absl::Time now) {
  const std::vector<core::Account> snapshot = pool.Snapshot();
  // SECRETS: used only for their fingerprints, and dropped at the end of this function.
  const std::vector<std::pair<std::string, pool::Credential>> secrets = pool.Credentials();
  const std::string default_upstream = Trimmed(config.upstream());
  AccountCatalog catalog;
  catalog.ids_.reserve(snapshot.size());
  catalog.accounts_.reserve(snapshot.size());
  for (const core::Account& account : snapshot) {
    const std::string& id = account.settings.name;
    AccountParts parts;
    parts.live = &account;
    if (std::optional<int> index = FindEntry(config, id)) parts.entry = &config.accounts(*index);
    for (const auto& [name, credential] : secrets) {
      if (name == id) {
        parts.credential = &credential;
        break;
      }
    }
    parts.default_upstream = default_upstream;
    catalog.ids_.push_back(id);
    catalog.accounts_.push_back(MakeAccountView(id, parts, pool.options().scheduler, now));
  }
  return catalog;
}

const v1::Account* AccountCatalog::Find(std::string_view id) const {
  std::optional<size_t> index = IndexOf(id);
  return index.has_value() ? &accounts_[*index] : nullptr;
}

std::optional<size_t> AccountCatalog::IndexOf(std::string_view id) const {
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == id) return i;
  }
  return std::nullopt;
}

std::optional<v1::Account> EntryView(const v1::Config& config, std::string_view id,
                                     const pool::Pool& pool, absl::Time now) {
  std::optional<int> index = FindEntry(config, id);
  if (!index.has_value()) return std::nullopt;
  AccountParts parts;
  parts.entry = &config.accounts(*index);
  const std::string default_upstream = Trimmed(config.upstream());
  parts.default_upstream = default_upstream;
  return MakeAccountView(id, parts, pool.options().scheduler, now);
}

}  // namespace maxpool::control
