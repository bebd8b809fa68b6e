#pragma once

// absl::StrCat / StrAppend that also take std::string_view. Debian's Abseil has its own
// absl::string_view (see core/absl_view.h), so std::string_view arguments are bridged here.

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/absl_view.h"

namespace maxpool::fake {

template <class T>
decltype(auto) ToAlphaNum(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_same_v<T, std::string>) {
    return core::AbslView(std::string_view(value));
  } else {
    return (value);
  }
}

template <class... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(ToAlphaNum(args)...);
}

template <class... Args>
void Append(std::string* out, const Args&... args) {
  absl::StrAppend(out, ToAlphaNum(args)...);
}

}  // namespace maxpool::fake
