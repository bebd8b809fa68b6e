#include "tui/tui_run.h"

#include <clocale>
#include <iostream>
#include <variant>

#include "tui/tui_actions.h"
#include "tui/tui_feed.h"
#include "tui/tui_model.h"
#include "tui/tui_queue.h"
#include "tui/tui_render.h"
#include "tui/tui_screen.h"

namespace maxpool::tui {
namespace {

// How long a key is waited for before the screen is redrawn (countdowns tick, the feed's
// updates show).
constexpr absl::Duration kFrame = absl::Milliseconds(200);

void Apply(TuiModel& model, FeedQueue& queue) {
  for (FeedUpdate& update : queue.TakeAll()) {
    if (auto* snapshot = std::get_if<v1::PoolSnapshot>(&update)) {
      model.ApplySnapshot(std::move(*snapshot));
    } else if (auto* event = std::get_if<v1::WatchEventsResponse>(&update)) {
      model.ApplyEvent(*event);
    } else if (std::holds_alternative<LinkUp>(update)) {
      model.SetConnected(absl::Now());
    } else if (auto* down = std::get_if<LinkDown>(&update)) {
      model.SetDisconnected(down->error, down->retry_at, absl::Now());
    }
  }
}

}  // namespace

int RunTui(const TuiOptions& options) {
  std::setlocale(LC_ALL, "");
  if (options.handle_signals) InstallStopSignals();
  absl::StatusOr<std::unique_ptr<Screen>> screen = Screen::Open();
  if (!screen.ok()) {
    std::cerr << "maxpool: " << screen.status().message() << "\n";
    return 1;
  }
  ControlActionSink control_sink(options.target);
  ActionSink& sink = options.sink != nullptr ? *options.sink : control_sink;
  TuiModel model(options.target.address);
  TuiController controller(sink, options.attached);
  FeedQueue queue;
  FeedOptions feed_options;
  feed_options.interval = options.interval;
  Feed feed(options.target, feed_options, queue);
  feed.Start();

  bool signalled = false;
  std::string last_status;
  while (true) {
    if (options.handle_signals && StopRequested()) {
      signalled = true;
      break;
    }
    if (options.should_stop && options.should_stop()) break;
    Apply(model, queue);
    (*screen)->Draw(
        Render(model, controller.view(), absl::Now(), (*screen)->width(), (*screen)->height()));
    std::optional<Key> key = (*screen)->ReadKey(kFrame);
    if (!key) continue;
    controller.HandleKey(*key, model);
    // Results of actions also go to the activity log, so they stay readable.
    if (controller.view().status != last_status) {
      last_status = controller.view().status;
      if (!last_status.empty() && last_status != "cancelled") {
        model.AddLog(absl::Now(), last_status, controller.view().status_tone);
      }
    }
    if (controller.quit_requested()) break;
  }
  feed.Stop();
  screen->reset();
  if (controller.restart_requested() && options.on_drain_and_restart) {
    options.on_drain_and_restart();
    return 0;
  }
  const bool drain = controller.drain_requested() || (signalled && options.attached);
  if (drain && options.on_drain_and_quit) options.on_drain_and_quit();
  return 0;
}

}  // namespace maxpool::tui
