#pragma once

// Resource names of the control plane (Google API design guide): `accounts/{account}`, where
// {account} is the account's id, the `name` key of the config file.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::control {

inline constexpr std::string_view kAccountsCollection = "accounts/";

// "accounts/" + id.
std::string AccountName(std::string_view id);

// The id of "accounts/{id}". Error: InvalidArgument saying what shape is expected.
absl::StatusOr<std::string> ParseAccountName(std::string_view name);

// OK when `id` is 1..64 characters of [A-Za-z0-9._@-]; else InvalidArgument saying so.
absl::Status CheckAccountId(std::string_view id);

}  // namespace maxpool::control
