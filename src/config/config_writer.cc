#include "config/config_writer.h"

#include <string>
#include <vector>

#include "config/config_backfill.h"
#include "config/json_proto_codec.h"
#include "config/json_text.h"

namespace maxpool::config {

std::string SerializeConfig(const v1::Config& config, const boost::json::object& raw) {
  // The shape the config was loaded from: the file with its defaults, as LoadConfig built it.
  boost::json::object shape = raw;
  std::vector<std::string> ignored_warnings;
  RemoveTolerated(shape, ignored_warnings);
  BackFillDefaults(shape);
  boost::json::object out = EncodeJson(config, &shape);
  StripUnsetCodeDefaults(out, raw);
  return FormatJsonText(out);
}

}  // namespace maxpool::config
