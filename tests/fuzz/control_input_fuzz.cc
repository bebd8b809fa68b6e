// Fuzz target: control-plane requests as the account service checks them. The bytes are a
// CreateAccountRequest or an UpdateAccountRequest in protobuf wire format (what a gRPC client
// sends), or an account resource name or page token; each goes through the same checks the
// services run before anything is written. An accepted request must produce an entry whose name
// is a valid account id.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "control/account_input.h"
#include "control/page_token.h"
#include "control/resource_name.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/config.pb.h"

namespace control = maxpool::control;
namespace v1 = maxpool::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const int which = provider.ConsumeIntegralInRange(0, 3);
  const std::string bytes = provider.ConsumeRemainingBytesAsString();
  switch (which) {
    case 0: {
      v1::CreateAccountRequest request;
      if (!request.ParseFromString(bytes)) return 0;
      v1::AccountConfig entry;
      if (control::CheckCreateAccount(request, entry).ok() &&
          !control::CheckAccountId(entry.name()).ok()) {
        __builtin_trap();
      }
      break;
    }
    case 1: {
      v1::UpdateAccountRequest request;
      if (!request.ParseFromString(bytes)) return 0;
      control::AccountChange change;
      if (control::CheckUpdateAccount(request, change).ok()) {
        v1::AccountConfig entry;
        control::ApplyAccountChange(change, entry);
      }
      break;
    }
    case 2: {
      absl::StatusOr<std::string> id = control::ParseAccountName(bytes);
      if (id.ok() && control::ParseAccountName(control::AccountName(*id)).value_or("") != *id) {
        __builtin_trap();
      }
      break;
    }
    default:
      (void)control::DecodePageToken("accounts", bytes);
      break;
  }
  return 0;
}
