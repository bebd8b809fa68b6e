#pragma once

// The four maxpool.v1 services on one ControlEnv, named for ControlServer::Start(), sharing one
// ControlCalls (the entry point of every call) and one ControlWrites (the path of every change).

#include <vector>

#include "control/control_env.h"
#include "control/control_server.h"

namespace maxpool::control {

std::vector<NamedService> MakeControlServices(const ControlEnv& env);

}  // namespace maxpool::control
