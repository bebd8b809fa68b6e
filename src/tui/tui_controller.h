#pragma once

// The keys of `maxpool top` as a state machine. In the normal view: `a` accounts menu (add an
// API key, import the Claude Code login, start an OAuth login, enable/disable, usage cap, delete
// an idle account), `m` routing (automatic, or prefer an account), `s` reload the config, `d`
// drain, `q` quit (when attached to a local server: confirm, then drain and quit; and `r`: confirm,
// then drain and restart the server). Lists take
// `j`/`k`/arrows, Enter and Esc; prompts take text (a secret shows as dots), Backspace, Enter and
// Esc; every state-changing action first says what will happen and waits for `y`/`n`. The
// controller calls an ActionSink (the real one is the control plane, tui_actions.h) and shows
// the result or error in the status line. Pure and single-threaded: the sink's calls block the
// caller.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tui/tui_model.h"

namespace maxpool::tui {

// A key: a Unicode character, or one of the codes below (outside the Unicode range).
using Key = char32_t;
inline constexpr Key kKeyEnter = U'\n';
inline constexpr Key kKeyEscape = 27;
inline constexpr Key kKeyBackspace = 127;
inline constexpr Key kKeyUp = 0x110000;
inline constexpr Key kKeyDown = 0x110001;
inline constexpr Key kKeyLeft = 0x110002;
inline constexpr Key kKeyRight = 0x110003;
inline constexpr Key kKeyResize = 0x110004;
inline constexpr Key kKeyPageUp = 0x110005;
inline constexpr Key kKeyPageDown = 0x110006;

// An OAuth login in progress.
struct LoginStart {
  std::string login_id;
  std::string authorize_url;
};

// What the controller asks of the server. Account arguments are ids ("alice"). Each call returns
// the one-line result for the status line, or an error whose message is shown.
class ActionSink {
 public:
  virtual ~ActionSink() = default;
  virtual absl::StatusOr<std::string> AddApiKey(const std::string& id, const std::string& key) = 0;
  // `id` empty = the server picks one from the login.
  virtual absl::StatusOr<std::string> ImportClaudeCode(const std::string& id) = 0;
  virtual absl::StatusOr<LoginStart> StartOAuthLogin(const std::string& id) = 0;
  virtual absl::StatusOr<std::string> CompleteOAuthLogin(const std::string& login_id,
                                                         const std::string& code) = 0;
  virtual absl::StatusOr<std::string> SetEnabled(const std::string& id, bool enabled) = 0;
  // `cap` a fraction in (0, 1); nullopt removes the cap.
  virtual absl::StatusOr<std::string> SetUsageCap(const std::string& id,
                                                  std::optional<double> cap) = 0;
  virtual absl::StatusOr<std::string> DeleteAccount(const std::string& id) = 0;
  virtual absl::StatusOr<std::string> SetAutomatic() = 0;
  virtual absl::StatusOr<std::string> SetPreferred(const std::string& id) = 0;
  virtual absl::StatusOr<std::string> ReloadConfig() = 0;
  virtual absl::StatusOr<std::string> Drain() = 0;
};

// What the controller wants on screen.
struct ControllerView {
  enum class Mode { kNormal, kMenu, kPrompt, kConfirm };
  Mode mode = Mode::kNormal;
  // kMenu: the menu's title; kPrompt: the question; kConfirm: what will happen and the question.
  std::string title;
  // kMenu: the items and the highlighted one.
  std::vector<std::string> items;
  int selected = 0;
  // kPrompt: the input as shown (dots for a secret).
  std::string input;
  // Extra lines shown with a prompt (for example the OAuth authorize URL).
  std::vector<std::string> notes;
  // The last result or error.
  std::string status;
  LogTone status_tone = LogTone::kInfo;
  // The TUI runs inside the server (the key help then offers `r` restart).
  bool attached = false;
};

class TuiController {
 public:
  // `attached`: the TUI runs inside the server process, so `q` drains it (after `y`).
  TuiController(ActionSink& sink, bool attached) : sink_(sink), attached_(attached) {
    view_.attached = attached;
  }

  // One key; `model` supplies the accounts for the lists.
  void HandleKey(Key key, const TuiModel& model);

  const ControllerView& view() const { return view_; }
  // `q` was pressed (and confirmed when attached).
  bool quit_requested() const { return quit_; }
  // Attached only: the user confirmed "drain and quit".
  bool drain_requested() const { return drain_on_quit_; }
  // Attached only: the user confirmed "drain and restart" (drain_requested() is true too).
  bool restart_requested() const { return restart_; }

 private:
  struct MenuEntry {
    std::string label;
    std::function<void()> on_select;
  };

  void Reset();
  void OpenMenu(std::string title, std::vector<MenuEntry> entries);
  void Prompt(std::string question, bool secret, std::function<void(std::string)> on_submit,
              std::vector<std::string> notes = {});
  void Confirm(std::string question, std::function<void()> on_yes);
  // Opens a list of the accounts; `pick` gets the chosen account's snapshot.
  void PickAccount(std::string title, const TuiModel& model,
                   std::function<void(const v1::AccountSnapshot&)> pick);
  void Report(const absl::StatusOr<std::string>& result);
  void Info(std::string text, LogTone tone = LogTone::kInfo);

  void AccountsMenu(const TuiModel& model);
  void RoutingMenu(const TuiModel& model);
  void AddApiKeyFlow();
  void ImportFlow();
  void OAuthFlow();

  void HandleMenuKey(Key key);
  void HandlePromptKey(Key key);
  void HandleConfirmKey(Key key);

  ActionSink& sink_;
  bool attached_;
  ControllerView view_;
  std::vector<MenuEntry> entries_;
  std::string input_;
  bool secret_ = false;
  std::function<void(std::string)> on_submit_;
  std::function<void()> on_yes_;
  bool quit_ = false;
  bool drain_on_quit_ = false;
  bool restart_ = false;
};

}  // namespace maxpool::tui
