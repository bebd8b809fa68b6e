#include "fake/scenario.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "boost/json/parse.hpp"
#include "fake/str_cat.h"

namespace maxpool::fake {

namespace {

absl::Status ParseTokenEndpoint(const boost::json::value& section, Scenario& out) {
  if (!section.is_object()) {
    return absl::InvalidArgumentError("scenario: \"token_endpoint\" must be an object");
  }
  for (const auto& [key, value] : section.get_object()) {
    const std::string_view name(key.data(), key.size());
    if (name == "script") {
      absl::StatusOr<std::vector<TokenFault>> faults = ParseTokenFaults(value);
      if (!faults.ok()) {
        return absl::InvalidArgumentError(
            Cat("scenario: token_endpoint.script: ", faults.status().message()));
      }
      out.token_script = *std::move(faults);
    } else if (name == "default") {
      absl::StatusOr<TokenFault> fault = ParseTokenFault(value);
      if (!fault.ok()) {
        return absl::InvalidArgumentError(
            Cat("scenario: token_endpoint.default: ", fault.status().message()));
      }
      out.token_default = *fault;
    } else {
      return absl::InvalidArgumentError(
          Cat("scenario: token_endpoint: unknown field \"", name, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<FakeAccountSpec>> ParseScenario(std::string_view json, absl::Time now) {
  absl::StatusOr<Scenario> scenario = ParseScenarioDocument(json, now);
  if (!scenario.ok()) return scenario.status();
  return std::move(scenario->accounts);
}

absl::StatusOr<Scenario> ParseScenarioDocument(std::string_view json, absl::Time now) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(boost::json::string_view(json), ec);
  if (ec) return absl::InvalidArgumentError(Cat("scenario: invalid JSON: ", ec.message()));
  if (!root.is_object()) return absl::InvalidArgumentError("scenario: expected an object");
  Scenario scenario;
  for (const auto& [key, value] : root.get_object()) {
    if (std::string_view(key) == "token_endpoint") {
      if (absl::Status s = ParseTokenEndpoint(value, scenario); !s.ok()) return s;
    } else if (std::string_view(key) != "accounts") {
      return absl::InvalidArgumentError(
          Cat("scenario: unknown field \"", std::string_view(key), "\""));
    }
  }
  const boost::json::value* accounts = root.get_object().if_contains("accounts");
  if (accounts == nullptr || !accounts->is_array()) {
    return absl::InvalidArgumentError("scenario: \"accounts\" must be an array");
  }
  std::vector<FakeAccountSpec>& specs = scenario.accounts;
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
  return scenario;
}

absl::StatusOr<std::vector<FakeAccountSpec>> LoadScenarioFile(const std::filesystem::path& path,
                                                              absl::Time now) {
  absl::StatusOr<Scenario> scenario = LoadScenarioDocument(path, now);
  if (!scenario.ok()) return scenario.status();
  return std::move(scenario->accounts);
}

absl::StatusOr<Scenario> LoadScenarioDocument(const std::filesystem::path& path, absl::Time now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot read scenario file ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Scenario> scenario = ParseScenarioDocument(text.str(), now);
  if (!scenario.ok()) {
    return absl::InvalidArgumentError(Cat(path.string(), ": ", scenario.status().message()));
  }
  return scenario;
}

}  // namespace maxpool::fake
