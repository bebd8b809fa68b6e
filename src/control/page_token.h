#pragma once

// Opaque page tokens of List methods: the position of the next item, bound to the method so that
// a token of one list is refused by another. Clients must pass tokens back unchanged.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::control {

// A token for continuing `list` (e.g. "accounts") after the item with key `after`.
std::string EncodePageToken(std::string_view list, std::string_view after);

// The `after` key of a token made by EncodePageToken(list, …); "" for an empty token.
// Error: InvalidArgument when the token is not one of this list's.
absl::StatusOr<std::string> DecodePageToken(std::string_view list, std::string_view token);

// page_size as the API guide reads it: 0 means `default_size`, above `max_size` is clamped.
// Error: InvalidArgument for a negative size.
absl::StatusOr<int> EffectivePageSize(int32_t page_size, int default_size, int max_size);

}  // namespace maxpool::control
