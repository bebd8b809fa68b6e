#include "control/input_limits.h"

#include "absl/strings/str_cat.h"

namespace maxpool::control {

std::string LongerThan(size_t max_bytes) {
  return absl::StrCat("longer than ", max_bytes, " bytes");
}

bool HasControlCharacter(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

std::string Quotable(std::string_view text, size_t max_bytes) {
  const bool cut = text.size() > max_bytes;
  std::string out(cut ? text.substr(0, max_bytes) : text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (cut) out += "...";
  return out;
}

}  // namespace maxpool::control
