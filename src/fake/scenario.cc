#include "fake/scenario.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "boost/json/parse.hpp"
#include "fake/str_cat.h"

namespace maxpool::fake {

absl::StatusOr<std::vector<FakeAccountSpec>> ParseScenario(std::string_view json, absl::Time now) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(boost::json::string_view(json), ec);
  if (ec) return absl::InvalidArgumentError(Cat("scenario: invalid JSON: ", ec.message()));
  if (!root.is_object()) return absl::InvalidArgumentError("scenario: expected an object");
  for (const auto& [key, value] : root.get_object()) {
    if (std::string_view(key) != "accounts") {
      return absl::InvalidArgumentError(
          Cat("scenario: unknown field \"", std::string_view(key), "\""));
    }
  }
  const boost::json::value* accounts = root.get_object().if_contains("accounts");
  if (accounts == nullptr || !accounts->is_array()) {
    return absl::InvalidArgumentError("scenario: \"accounts\" must be an array");
  }
  std::vector<FakeAccountSpec> specs;
  size_t index = 0;
  for (const boost::json::value& entry : accounts->get_array()) {
    absl::StatusOr<FakeAccountSpec> spec = ParseAccountSpec(entry, now);
    if (!spec.ok()) {
      return absl::InvalidArgumentError(
          Cat("scenario: accounts[", index, "]: ", spec.status().message()));
    }
    specs.push_back(*std::move(spec));
    ++index;
  }
  return specs;
}

absl::StatusOr<std::vector<FakeAccountSpec>> LoadScenarioFile(const std::filesystem::path& path,
                                                              absl::Time now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot read scenario file ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<FakeAccountSpec>> specs = ParseScenario(text.str(), now);
  if (!specs.ok()) {
    return absl::InvalidArgumentError(Cat(path.string(), ": ", specs.status().message()));
  }
  return specs;
}

}  // namespace maxpool::fake
