#include "control/control_services.h"

#include "control/account_service.h"
#include "control/lifecycle_service.h"
#include "control/routing_service.h"
#include "control/telemetry_service.h"

namespace maxpool::control {

std::vector<NamedService> MakeControlServices(const ControlEnv& env) {
  std::vector<NamedService> services;
  services.push_back(
      {v1::AccountService::service_full_name(), std::make_unique<AccountService>(env)});
  services.push_back(
      {v1::RoutingService::service_full_name(), std::make_unique<RoutingService>(env)});
  services.push_back(
      {v1::LifecycleService::service_full_name(), std::make_unique<LifecycleService>(env)});
  services.push_back(
      {v1::TelemetryService::service_full_name(), std::make_unique<TelemetryService>(env)});
  return services;
}

}  // namespace maxpool::control
