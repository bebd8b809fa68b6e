#pragma once

// The access class of every maxpool.v1 method, declared once (docs/architecture.md "Control
// plane"): reads (list, get, status, snapshots, watches) are allowed with the read-only control
// token, everything else needs the full token. ControlCalls looks each call up here before its
// handler runs; tests/unit/control/method_access_test.cc calls every method of every service in
// the descriptor pool with no token and with the read-only token, so a method missing here (or
// a handler that skips the lookup) fails the test.

#include <optional>
#include <string_view>
#include <vector>

#include "control/control_auth.h"

namespace maxpool::control {

struct MethodAccess {
  // The method's full name as protobuf spells it: "maxpool.v1.AccountService.ListAccounts".
  std::string_view method;
  Access access;
};

// Every method of the maxpool.v1 services, each once.
const std::vector<MethodAccess>& MethodAccessTable();

// The access class of `method` (a full name as above), or nullopt for a method the table does
// not declare.
std::optional<Access> AccessOf(std::string_view method);

}  // namespace maxpool::control
