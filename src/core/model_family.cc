#include "core/model_family.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "core/absl_view.h"

namespace maxpool::core {

ModelFamily ModelFamilyOf(std::string_view model) {
  if (model.empty()) return ModelFamily::kNone;
  // Model ids are short; one lower-cased copy keeps the checks plain substring searches.
  const std::string lower = absl::AsciiStrToLower(AbslView(model));
  if (absl::StrContains(lower, "fable") || absl::StrContains(lower, "mythos")) {
    return ModelFamily::kFable;
  }
  if (absl::StrContains(lower, "opus")) return ModelFamily::kOpus;
  if (absl::StrContains(lower, "sonnet")) return ModelFamily::kSonnet;
  if (absl::StrContains(lower, "haiku")) return ModelFamily::kHaiku;
  return ModelFamily::kNone;
}

std::string_view ModelFamilyName(ModelFamily family) {
  switch (family) {
    case ModelFamily::kFable:
      return "fable";
    case ModelFamily::kOpus:
      return "opus";
    case ModelFamily::kSonnet:
      return "sonnet";
    case ModelFamily::kHaiku:
      return "haiku";
    case ModelFamily::kNone:
      break;
  }
  return "";
}

}  // namespace maxpool::core
