#pragma once

// The four maxpool.v1 services on one ControlEnv, named for ControlServer::Start().

#include <vector>

#include "control/control_env.h"
#include "control/control_server.h"

namespace maxpool::control {

std::vector<NamedService> MakeControlServices(const ControlEnv& env);

}  // namespace maxpool::control
