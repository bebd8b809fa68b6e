#include "fake/plan.h"

#include "fake/wire_errors.h"

namespace maxpool::fake {

Plan NewPlan(int status, const std::string& request_id) {
  Plan plan;
  plan.status = status;
  plan.headers.emplace_back("request-id", request_id);
  return plan;
}

Plan ErrorPlanFor(int status, std::string_view message, const std::string& request_id,
                  std::string_view type) {
  Plan plan = NewPlan(status, request_id);
  plan.body = ErrorJson(type.empty() ? ErrorTypeForStatus(status) : type, message, request_id);
  return plan;
}

}  // namespace maxpool::fake
