#include "proxy/error_body.h"

#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"

namespace maxpool::proxy {

std::string ErrorJson(std::string_view type, std::string_view message,
                      std::string_view error_code) {
  boost::json::object error;
  error["type"] = boost::json::string_view(type.data(), type.size());
  error["message"] = boost::json::string_view(message.data(), message.size());
  if (!error_code.empty()) {
    boost::json::object details;
    details["error_code"] = boost::json::string_view(error_code.data(), error_code.size());
    error["details"] = std::move(details);
  }
  boost::json::object body;
  body["type"] = "error";
  body["error"] = std::move(error);
  return boost::json::serialize(body);
}

std::string ErrorEvent(std::string_view type, std::string_view message,
                       std::string_view error_code) {
  std::string out = "event: error\ndata: ";
  out += ErrorJson(type, message, error_code);
  out += "\n\n";
  return out;
}

}  // namespace maxpool::proxy
