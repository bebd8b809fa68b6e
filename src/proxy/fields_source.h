#pragma once

// core::HeaderSource over Beast's header fields, without copying: how the data plane hands an
// upstream response's headers (or a client request's) to the routing core. Lives no longer than
// the fields it reads.

#include <optional>
#include <string_view>

#include "boost/beast/http/fields.hpp"
#include "core/header_source.h"

namespace maxpool::proxy {

class FieldsSource final : public core::HeaderSource {
 public:
  explicit FieldsSource(const boost::beast::http::fields& fields) : fields_(fields) {}
  std::optional<std::string_view> Find(std::string_view lower_name) const override {
    auto it = fields_.find(boost::beast::string_view(lower_name.data(), lower_name.size()));
    if (it == fields_.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }

 private:
  const boost::beast::http::fields& fields_;
};

}  // namespace maxpool::proxy
