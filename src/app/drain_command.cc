#include "app/drain_command.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/option_help.h"

namespace maxpool::app {
namespace {

// Time between the polls of --wait for the server to go away.
constexpr absl::Duration kExitPoll = absl::Milliseconds(200);

std::string Requests(int count) {
  return absl::StrCat(count, count == 1 ? " request" : " requests");
}

std::string DeadlineText(absl::Time deadline, absl::Time now) {
  if (deadline <= now) return "deadline reached";
  return absl::StrCat("deadline in ", control_client::CompactDuration(deadline - now));
}

}  // namespace

std::string DrainUsageText() {
  return absl::StrCat(
      R"(usage: maxpool drain [--deadline D] [--accept-grace D] [--wait] [connection options]

Drains the running server gracefully: its health turns NOT_SERVING at once; after the accept
grace new requests get 503 with retry-after; the requests in flight may finish until the
deadline, when the rest are ended (streams get an SSE error event) and the server exits 0.
Prints the deadline and the requests in flight. Draining a server that is already draining
changes nothing.
)",
      OptionsHelp("drain"));
}

absl::Status CheckDrainDurations(const std::optional<absl::Duration>& deadline,
                                 const std::optional<absl::Duration>& accept_grace) {
  if (deadline.has_value() && (*deadline < absl::Seconds(1) || *deadline > absl::Hours(24))) {
    return absl::InvalidArgumentError(absl::StrCat("--deadline must be between 1s and 24h; got ",
                                                   absl::FormatDuration(*deadline)));
  }
  if (deadline.has_value() && accept_grace.has_value() && *accept_grace >= *deadline) {
    return absl::InvalidArgumentError("--accept-grace must be shorter than --deadline");
  }
  return absl::OkStatus();
}

std::string FormatDrainStarted(const v1::DrainResponse& response, absl::Duration accept_grace,
                               absl::Time now) {
  std::string out = absl::StrCat(response.already_draining() ? "already draining: " : "draining: ",
                                 Requests(response.in_flight()), " in flight");
  if (response.has_deadline_time()) {
    absl::StrAppend(&out, ", ",
                    DeadlineText(control_client::ToTime(response.deadline_time()), now));
  }
  if (!response.already_draining() && accept_grace > absl::ZeroDuration()) {
    absl::StrAppend(&out, "; new requests are accepted for ",
                    control_client::CompactDuration(accept_grace));
  }
  return absl::StrCat(out, "\n");
}

std::string FormatDrainProgress(const v1::DrainProgress& progress, absl::Time now) {
  if (progress.done()) {
    if (progress.in_flight() == 0) return "drain: done, nothing in flight\n";
    return absl::StrCat("drain: deadline reached, ", Requests(progress.in_flight()),
                        " in flight were ended\n");
  }
  std::string out = absl::StrCat("drain: ", Requests(progress.in_flight()), " in flight");
  if (progress.held() > 0) absl::StrAppend(&out, " (", progress.held(), " held)");
  if (progress.has_deadline_time()) {
    absl::StrAppend(&out, ", ",
                    DeadlineText(control_client::ToTime(progress.deadline_time()), now));
  }
  return absl::StrCat(out, "\n");
}

int RunDrain(const DrainArgs& args, const config::EnvLookup& env, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> connected =
      control_client::ConnectControl(args.control, env);
  if (!connected.ok()) {
    err << "maxpool: " << connected.status().message() << "\n";
    return kExitFailure;
  }
  control_client::ControlClient& client = **connected;

  // --wait subscribes before the drain starts, so that no progress report (the last one
  // included) can pass unseen. The server sends the headers once it is subscribed.
  std::unique_ptr<grpc::ClientContext> watch_context;
  std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>> watch;
  if (args.wait) {
    watch_context = client.NewContext(absl::InfiniteDuration());
    v1::WatchEventsRequest request;
    request.add_kinds(v1::EVENT_KIND_DRAIN_PROGRESS);
    watch = client.telemetry().WatchEvents(watch_context.get(), request);
    watch->WaitForInitialMetadata();
  }
  auto end_watch = [&] {
    if (watch == nullptr) return grpc::Status::OK;
    watch_context->TryCancel();
    grpc::Status status = watch->Finish();
    watch.reset();
    return status;
  };

  v1::DrainRequest request;
  if (args.deadline.has_value())
    control_client::ToProto(*args.deadline, request.mutable_deadline());
  if (args.accept_grace.has_value())
    control_client::ToProto(*args.accept_grace, request.mutable_accept_grace());
  v1::DrainResponse response;
  const grpc::Status drained =
      client.lifecycle().Drain(client.NewContext().get(), request, &response);
  if (!drained.ok()) {
    end_watch();
    err << "maxpool: " << client.ErrorLine(drained) << "\n";
    return kExitFailure;
  }
  out << FormatDrainStarted(response, args.accept_grace.value_or(absl::ZeroDuration()), absl::Now())
      << std::flush;
  if (!args.wait) return kExitOk;

  const absl::Time drain_deadline =
      response.has_deadline_time() ? control_client::ToTime(response.deadline_time()) : absl::Now();
  bool done = false;
  std::optional<std::pair<int, int>> shown;  // in flight and held of the last line printed
  v1::WatchEventsResponse message;
  while (watch->Read(&message)) {
    if (!message.has_event() || !message.event().has_drain_progress()) continue;
    const v1::DrainProgress& progress = message.event().drain_progress();
    const std::pair<int, int> load = {progress.in_flight(), progress.held()};
    // One line per change: a long drain reports every second.
    if (progress.done() || shown != load) {
      const absl::Time at =
          message.event().has_time() ? control_client::ToTime(message.event().time()) : absl::Now();
      out << FormatDrainProgress(progress, at) << std::flush;
      shown = load;
    }
    if (progress.done()) {
      done = true;
      break;
    }
  }
  const grpc::Status watched = end_watch();
  // The watch ending early is expected when the server goes away; anything else (a refused
  // token) is an error.
  if (!done && !watched.ok() && watched.error_code() != grpc::StatusCode::UNAVAILABLE &&
      watched.error_code() != grpc::StatusCode::CANCELLED) {
    err << "maxpool: " << client.ErrorLine(watched) << "\n";
    return kExitFailure;
  }

  const absl::Time give_up =
      std::max(absl::Now(), done ? absl::Now() : drain_deadline) + args.exit_timeout;
  while (true) {
    v1::GetStatusResponse status;
    const grpc::Status polled = client.lifecycle().GetStatus(
        client.NewContext(absl::Seconds(2)).get(), v1::GetStatusRequest(), &status);
    if (polled.error_code() == grpc::StatusCode::UNAVAILABLE) {
      out << "server stopped\n" << std::flush;
      return kExitOk;
    }
    if (!polled.ok() && polled.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
        polled.error_code() != grpc::StatusCode::CANCELLED) {
      err << "maxpool: " << client.ErrorLine(polled) << "\n";
      return kExitFailure;
    }
    if (absl::Now() >= give_up) {
      err << "maxpool: the drain " << (done ? "is done" : "did not report its end")
          << " but the server at " << client.target().address << " is still up after "
          << control_client::CompactDuration(args.exit_timeout) << "\n";
      return kExitFailure;
    }
    absl::SleepFor(kExitPoll);
  }
}

}  // namespace maxpool::app
