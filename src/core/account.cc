#include "core/account.h"

#include <algorithm>

namespace maxpool::core {

bool AccountSettings::HasProfile(std::string_view profile) const {
  return std::find(profiles.begin(), profiles.end(), profile) != profiles.end();
}

}  // namespace maxpool::core
