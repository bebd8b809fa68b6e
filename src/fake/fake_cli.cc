#include "fake/fake_cli.h"

#include <charconv>

#include "absl/status/status.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

absl::StatusOr<int> ParseInt(const std::string& option, const std::string& value, int min,
                             int max) {
  int n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) {
    return absl::InvalidArgumentError(
        Cat(option, ": expected an integer in [", min, ", ", max, "], got \"", value, "\""));
  }
  return n;
}

}  // namespace

std::string FakeCliUsage() {
  return "usage: maxpool-fake-upstream [--host HOST] [--port PORT] [--threads N]\n"
         "                             [--scenario FILE] [--tls-cert FILE --tls-key FILE]\n"
         "                             [--fixed] [--accept-any-credential] [--no-record]\n"
         "Prints \"listening on http://HOST:PORT\" once ready; SIGINT/SIGTERM stop it.\n";
}

absl::StatusOr<FakeCli> ParseFakeCli(const std::vector<std::string>& args) {
  FakeCli cli;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string option = args[i];
    std::optional<std::string> inline_value;
    if (const size_t eq = option.find('='); option.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = option.substr(eq + 1);
      option.resize(eq);
    }
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(option + ": missing value");
      return args[++i];
    };
    if (option == "--help" || option == "-h") {
      cli.help = true;
    } else if (option == "--fixed") {
      cli.options.fixed_responses = true;
    } else if (option == "--no-record") {
      cli.options.record_requests = false;
    } else if (option == "--accept-any-credential") {
      cli.options.accept_unknown_credentials = true;
    } else if (option == "--host" || option == "--scenario" || option == "--tls-cert" ||
               option == "--tls-key" || option == "--port" || option == "--threads") {
      absl::StatusOr<std::string> v = value();
      if (!v.ok()) return v.status();
      if (option == "--host") {
        cli.options.host = *v;
      } else if (option == "--scenario") {
        cli.scenario_file = *v;
      } else if (option == "--tls-cert") {
        cli.options.tls_cert_file = *v;
      } else if (option == "--tls-key") {
        cli.options.tls_key_file = *v;
      } else if (option == "--port") {
        absl::StatusOr<int> port = ParseInt(option, *v, 0, 65535);
        if (!port.ok()) return port.status();
        cli.options.port = static_cast<uint16_t>(*port);
      } else {
        absl::StatusOr<int> threads = ParseInt(option, *v, 1, 256);
        if (!threads.ok()) return threads.status();
        cli.options.threads = *threads;
      }
    } else {
      return absl::InvalidArgumentError(Cat("unknown option \"", args[i], "\""));
    }
  }
  return cli;
}

}  // namespace maxpool::fake
