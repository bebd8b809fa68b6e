#pragma once

// Model families that Anthropic caps separately (spec §3.4). The family of a model id is found
// by case-insensitive substring: "fable" or "mythos" -> kFable, then "opus", "sonnet", "haiku".

#include <array>
#include <string_view>

namespace maxpool::core {

enum class ModelFamily { kNone, kFable, kOpus, kSonnet, kHaiku };

inline constexpr std::array<ModelFamily, 4> kModelFamilies = {
    ModelFamily::kFable, ModelFamily::kOpus, ModelFamily::kSonnet, ModelFamily::kHaiku};

// Returns kNone for an empty or unrecognised model id.
ModelFamily ModelFamilyOf(std::string_view model);

// "fable", "opus", "sonnet", "haiku", or "" for kNone.
std::string_view ModelFamilyName(ModelFamily family);

// Index into per-family arrays (0..3). REQUIRES: family != kNone.
inline constexpr size_t FamilyIndex(ModelFamily family) { return static_cast<size_t>(family) - 1; }

}  // namespace maxpool::core
