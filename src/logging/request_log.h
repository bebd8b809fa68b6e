#pragma once

// The activity line of one finished request (spec §10.3):
// "POST /v1/messages → account (200, 3.2s)" plus what happened on the way.

#include <string>

#include "proxy/proxy_server.h"

namespace maxpool::logging {

std::string FormatRequestLine(const proxy::RequestLogLine& line);

}  // namespace maxpool::logging
