#include "app/sessions_command.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "app/option_help.h"
#include "core/one_line.h"

namespace maxpool::app {

std::string SessionsUsageText() {
  return absl::StrCat(
      R"(usage: maxpool sessions [-o FMT] [connection options]

Lists the sessions the running server keeps on accounts: each session (the x-maxpool-session
header `maxpool run` sets, or Claude Code's own session id) stays on its home account while that
account can serve, and returns to it after a failover. Shows the session id, its home account and
the account serving it now (they differ after a failover).
)",
      OptionsHelp("sessions"));
}

std::string FormatSessions(const v1::ListSessionsResponse& sessions) {
  if (sessions.sessions().empty()) return "no sessions\n";
  std::vector<std::vector<std::string>> rows = {{"SESSION", "HOME", "CURRENT"}};
  for (const v1::Session& session : sessions.sessions()) {
    rows.push_back({core::OneLine(session.session_id()),
                    control_client::AccountId(session.home_account()),
                    control_client::AccountId(session.current_account())});
  }
  return control_client::FormatTable(rows);
}

int RunSessions(const control_client::ControlOptions& options, OutputFormat format,
                const config::EnvLookup& env, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
      control_client::ConnectControl(options, env);
  if (!client.ok()) {
    err << "maxpool: " << client.status().message() << "\n";
    return kExitFailure;
  }
  v1::ListSessionsResponse all;
  v1::ListSessionsRequest request;
  request.set_page_size(1000);
  // A server that kept answering with a next page would otherwise keep us here for ever.
  constexpr int kMaxPages = 1000;
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListSessionsResponse response;
    const grpc::Status rpc =
        (*client)->routing().ListSessions((*client)->NewContext().get(), request, &response);
    if (!rpc.ok()) {
      err << "maxpool: " << (*client)->ErrorLine(rpc) << "\n";
      return kExitFailure;
    }
    for (v1::Session& session : *response.mutable_sessions()) {
      *all.add_sessions() = std::move(session);
    }
    all.set_total_size(response.total_size());
    if (response.next_page_token().empty() || response.next_page_token() == request.page_token()) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  if (format == OutputFormat::kText) {
    out << FormatSessions(all);
    return kExitOk;
  }
  absl::StatusOr<std::string> document = FormatMessage(all, format);
  if (!document.ok()) {
    err << "maxpool: " << document.status().message() << "\n";
    return kExitFailure;
  }
  out << *document;
  return kExitOk;
}

}  // namespace maxpool::app
