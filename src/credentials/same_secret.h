#pragma once

// Compares a presented secret (a token, a key, an OAuth state) with the expected one in time that
// does not depend on where they differ, so a caller cannot guess a secret byte by byte. An empty
// secret matches nothing, not even another empty one: an unset token never lets a caller in.

#include <string_view>

namespace maxpool::credentials {

bool SameSecret(std::string_view presented, std::string_view expected);

}  // namespace maxpool::credentials
