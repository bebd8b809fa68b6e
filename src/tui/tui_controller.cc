#include "tui/tui_controller.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control_client/control_client.h"
#include "tui/tui_grid.h"

namespace maxpool::tui {
namespace {

using Mode = ControllerView::Mode;

// "sk-ant-api03-…wxyz": enough of a key to recognise it, never the whole.
std::string KeyHint(const std::string& key) {
  if (key.size() < 24) return std::string(key.size(), '*');
  return absl::StrCat(key.substr(0, 12), "…", key.substr(key.size() - 4));
}

std::string AccountLabel(const v1::AccountSnapshot& a) {
  std::string state = a.enabled() ? control_client::StateName(a.state()) : std::string("disabled");
  return absl::StrCat(
      control_client::AccountId(a.account()), "  (", control_client::TypeName(a.type()), ", ",
      state, a.in_flight() > 0 ? absl::StrCat(", ", a.in_flight(), " in flight") : "", ")");
}

}  // namespace

void TuiController::Reset() {
  view_.mode = Mode::kNormal;
  view_.title.clear();
  view_.items.clear();
  view_.selected = 0;
  view_.input.clear();
  view_.notes.clear();
  entries_.clear();
  input_.clear();
  secret_ = false;
  on_submit_ = nullptr;
  on_yes_ = nullptr;
}

void TuiController::OpenMenu(std::string title, std::vector<MenuEntry> entries) {
  Reset();
  view_.mode = Mode::kMenu;
  view_.title = std::move(title);
  for (const MenuEntry& e : entries) view_.items.push_back(e.label);
  entries_ = std::move(entries);
}

void TuiController::Prompt(std::string question, bool secret,
                           std::function<void(std::string)> on_submit,
                           std::vector<std::string> notes) {
  Reset();
  view_.mode = Mode::kPrompt;
  view_.title = std::move(question);
  view_.notes = std::move(notes);
  secret_ = secret;
  on_submit_ = std::move(on_submit);
}

void TuiController::Confirm(std::string question, std::function<void()> on_yes) {
  Reset();
  view_.mode = Mode::kConfirm;
  view_.title = std::move(question);
  on_yes_ = std::move(on_yes);
}

void TuiController::Report(const absl::StatusOr<std::string>& result) {
  if (result.ok()) {
    Info(*result, LogTone::kGood);
  } else {
    Info(std::string(result.status().message()), LogTone::kBad);
  }
}

void TuiController::Info(std::string text, LogTone tone) {
  view_.status = std::move(text);
  view_.status_tone = tone;
}

void TuiController::PickAccount(std::string title, const TuiModel& model,
                                std::function<void(const v1::AccountSnapshot&)> pick) {
  if (model.accounts().empty()) {
    Reset();
    Info("no accounts yet", LogTone::kWarn);
    return;
  }
  std::vector<MenuEntry> entries;
  for (const v1::AccountSnapshot& account : model.accounts()) {
    entries.push_back({AccountLabel(account), [pick, account] { pick(account); }});
  }
  OpenMenu(std::move(title), std::move(entries));
}

void TuiController::HandleKey(Key key, const TuiModel& model) {
  if (key == kKeyResize) return;
  switch (view_.mode) {
    case Mode::kMenu:
      HandleMenuKey(key);
      return;
    case Mode::kPrompt:
      HandlePromptKey(key);
      return;
    case Mode::kConfirm:
      HandleConfirmKey(key);
      return;
    case Mode::kNormal:
      break;
  }
  switch (key) {
    case U'a':
      AccountsMenu(model);
      break;
    case U'm':
      RoutingMenu(model);
      break;
    case U's':
      Confirm("Reload the config file now (accounts and settings are re-read)?",
              [this] { Report(sink_.ReloadConfig()); });
      break;
    case U'd':
      Confirm(
          "Drain the server? New requests are refused; it exits when in-flight requests finish.",
          [this] { Report(sink_.Drain()); });
      break;
    case U'q':
      if (!attached_) {
        quit_ = true;
      } else {
        Confirm("Drain the server and quit?", [this] {
          quit_ = true;
          drain_on_quit_ = true;
        });
      }
      break;
    case U'r':
      if (attached_) {
        Confirm("Drain the server and restart it (the config file is read again)?", [this] {
          quit_ = true;
          drain_on_quit_ = true;
          restart_ = true;
        });
      }
      break;
    case kKeyEscape:
      view_.status.clear();
      break;
    default:
      break;
  }
}

void TuiController::HandleMenuKey(Key key) {
  const int n = static_cast<int>(view_.items.size());
  switch (key) {
    case U'j':
    case kKeyDown:
      if (n > 0) view_.selected = (view_.selected + 1) % n;
      break;
    case U'k':
    case kKeyUp:
      if (n > 0) view_.selected = (view_.selected + n - 1) % n;
      break;
    case kKeyPageDown:
      view_.selected = std::min(n - 1, view_.selected + 10);
      break;
    case kKeyPageUp:
      view_.selected = std::max(0, view_.selected - 10);
      break;
    case kKeyEnter:
    case U'\r':
      if (view_.selected >= 0 && view_.selected < n) {
        // The callback may open the next step (which replaces entries_), so keep it alive.
        std::function<void()> action = entries_[static_cast<size_t>(view_.selected)].on_select;
        Reset();
        action();
      }
      break;
    case kKeyEscape:
    case U'q':
      Reset();
      break;
    default:
      break;
  }
}

void TuiController::HandlePromptKey(Key key) {
  switch (key) {
    case kKeyEnter:
    case U'\r': {
      std::function<void(std::string)> submit = std::move(on_submit_);
      std::string input = std::move(input_);
      Reset();
      if (submit) submit(std::move(input));
      return;
    }
    case kKeyEscape:
      Reset();
      Info("cancelled");
      return;
    case kKeyBackspace:
    case 8: {
      std::u32string cps = DecodeUtf8(input_);
      if (!cps.empty()) cps.pop_back();
      input_ = EncodeUtf8(cps);
      break;
    }
    case 21:  // Ctrl-U clears the line
      input_.clear();
      break;
    default:
      if (key >= 0x20 && key < 0x110000 && key != 0x7f)
        input_ += EncodeUtf8(std::u32string(1, key));
      break;
  }
  view_.input = input_;
  if (secret_) {
    view_.input.clear();
    for (int i = TextWidth(input_); i > 0; --i) view_.input += "•";
  }
}

void TuiController::HandleConfirmKey(Key key) {
  if (key == U'y' || key == U'Y') {
    std::function<void()> yes = std::move(on_yes_);
    Reset();
    if (yes) yes();
  } else if (key == U'n' || key == U'N' || key == kKeyEscape) {
    Reset();
    Info("cancelled");
  }
}

void TuiController::AccountsMenu(const TuiModel& model) {
  const TuiModel* m = &model;
  OpenMenu(
      "Accounts",
      {
          {"Add an API key", [this] { AddApiKeyFlow(); }},
          {"Import the Claude Code login", [this] { ImportFlow(); }},
          {"Log in with OAuth (browser)", [this] { OAuthFlow(); }},
          {"Enable or disable an account",
           [this, m] {
             PickAccount(
                 "Enable or disable which account?", *m, [this](const v1::AccountSnapshot& a) {
                   const std::string id = control_client::AccountId(a.account());
                   const bool enable = !a.enabled();
                   Confirm(enable ? absl::StrCat("Enable ", id, "? Routing may use it again.")
                                  : absl::StrCat("Disable ", id,
                                                 "? Routing stops using it; its "
                                                 "credentials are kept."),
                           [this, id, enable] { Report(sink_.SetEnabled(id, enable)); });
                 });
           }},
          {"Set a usage cap",
           [this, m] {
             PickAccount("Usage cap for which account?", *m, [this](const v1::AccountSnapshot& a) {
               const std::string id = control_client::AccountId(a.account());
               Prompt(absl::StrCat("Usage cap of ", id,
                                   " in % of the 5-hour window (1-99, 0 removes)"),
                      false, [this, id](std::string text) {
                        int percent = -1;
                        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &percent) ||
                            percent < 0 || percent > 99) {
                          Info(
                              absl::StrCat("not a cap: \"", text, "\" (a whole number 1-99, or 0)"),
                              LogTone::kBad);
                          return;
                        }
                        std::optional<double> cap;
                        if (percent > 0) cap = percent / 100.0;
                        Confirm(percent > 0 ? absl::StrCat("Spare ", id, " above ", percent,
                                                           "% of its 5-hour window?")
                                            : absl::StrCat("Remove the usage cap of ", id, "?"),
                                [this, id, cap] { Report(sink_.SetUsageCap(id, cap)); });
                      });
             });
           }},
          {"Delete an idle account",
           [this, m] {
             PickAccount("Delete which account?", *m, [this](const v1::AccountSnapshot& a) {
               const std::string id = control_client::AccountId(a.account());
               if (a.in_flight() > 0) {
                 Info(absl::StrCat(id, " has ", a.in_flight(),
                                   " requests in flight; disable it and retry when idle"),
                      LogTone::kBad);
                 return;
               }
               Confirm(absl::StrCat("Delete ", id,
                                    "? It leaves the pool and the config file with its "
                                    "credentials."),
                       [this, id] { Report(sink_.DeleteAccount(id)); });
             });
           }},
      });
}

void TuiController::RoutingMenu(const TuiModel& model) {
  std::vector<MenuEntry> entries;
  const bool automatic = model.preferred_account().empty();
  entries.push_back(
      {absl::StrCat("Automatic: the scheduler picks", automatic ? "  (now)" : ""), [this] {
         Confirm("Route automatically (no preferred account)?",
                 [this] { Report(sink_.SetAutomatic()); });
       }});
  for (const v1::AccountSnapshot& a : model.accounts()) {
    const std::string id = control_client::AccountId(a.account());
    const bool now = a.account() == model.preferred_account();
    entries.push_back(
        {absl::StrCat("Prefer ", AccountLabel(a), now ? "  (now)" : ""), [this, id] {
           Confirm(absl::StrCat("Prefer ", id, "? Requests go to it while it can serve them."),
                   [this, id] { Report(sink_.SetPreferred(id)); });
         }});
  }
  OpenMenu("Routing", std::move(entries));
}

void TuiController::AddApiKeyFlow() {
  Prompt("Id of the new API-key account", false, [this](std::string id) {
    id = std::string(absl::StripAsciiWhitespace(id));
    if (id.empty()) {
      Info("cancelled: no id", LogTone::kWarn);
      return;
    }
    Prompt(absl::StrCat("API key for ", id, " (hidden)"), true, [this, id](std::string key) {
      key = std::string(absl::StripAsciiWhitespace(key));
      if (key.empty()) {
        Info("cancelled: no key", LogTone::kWarn);
        return;
      }
      Confirm(absl::StrCat("Add API-key account ", id, " with key ", KeyHint(key), "?"),
              [this, id, key] { Report(sink_.AddApiKey(id, key)); });
    });
  });
}

void TuiController::ImportFlow() {
  Prompt("Id of the imported account (empty: from the login)", false, [this](std::string id) {
    id = std::string(absl::StripAsciiWhitespace(id));
    Confirm(absl::StrCat("Import the Claude Code login of this machine as ",
                         id.empty() ? std::string("a new account") : id, "?"),
            [this, id] { Report(sink_.ImportClaudeCode(id)); });
  });
}

void TuiController::OAuthFlow() {
  Prompt("Id of the account to log in (empty: the login's email)", false, [this](std::string id) {
    id = std::string(absl::StripAsciiWhitespace(id));
    Confirm(absl::StrCat("Start an OAuth login for ",
                         id.empty() ? std::string("a new account") : id, "?"),
            [this, id] {
              absl::StatusOr<LoginStart> start = sink_.StartOAuthLogin(id);
              if (!start.ok()) {
                Info(std::string(start.status().message()), LogTone::kBad);
                return;
              }
              const std::string login_id = start->login_id;
              Prompt("Paste the code shown after the login", true,
                     [this, login_id](std::string code) {
                       code = std::string(absl::StripAsciiWhitespace(code));
                       if (code.empty()) {
                         Info("login cancelled", LogTone::kWarn);
                         return;
                       }
                       Report(sink_.CompleteOAuthLogin(login_id, code));
                     },
                     {"Open this URL in a browser and log in:", start->authorize_url});
            });
  });
}

}  // namespace maxpool::tui
