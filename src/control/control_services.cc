#include "control/control_services.h"

#include <memory>

#include "control/account_service.h"
#include "control/control_calls.h"
#include "control/control_writes.h"
#include "control/lifecycle_service.h"
#include "control/routing_service.h"
#include "control/telemetry_service.h"

namespace maxpool::control {

std::vector<NamedService> MakeControlServices(const ControlEnv& env) {
  // One entry point for every call and one write path for every change, shared by the services.
  auto calls = std::make_shared<ControlCalls>(*env.auth);
  auto writes = std::make_shared<ControlWrites>(*env.store, *env.hooks);
  std::vector<NamedService> services;
  services.push_back({v1::AccountService::service_full_name(),
                      std::make_unique<AccountService>(env, calls, writes)});
  services.push_back({v1::RoutingService::service_full_name(),
                      std::make_unique<RoutingService>(env, calls, writes)});
  services.push_back(
      {v1::LifecycleService::service_full_name(), std::make_unique<LifecycleService>(env, calls)});
  services.push_back(
      {v1::TelemetryService::service_full_name(), std::make_unique<TelemetryService>(env, calls)});
  return services;
}

}  // namespace maxpool::control
