// The key state machine of `maxpool top`, driven by scripted key sequences against a fake
// ActionSink: menus and lists (j/k/arrows, Enter, Esc), prompts (the API key shows as dots),
// confirmations (nothing happens on `n`), results and errors in the status line, and quitting.

#include "tui/tui_controller.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tui_fixture.h"

namespace maxpool::tui {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Mode = ControllerView::Mode;

// Records every call as one string; answers "ok <call>" unless `fail` is set.
class FakeSink final : public ActionSink {
 public:
  absl::StatusOr<std::string> AddApiKey(const std::string& id, const std::string& key) override {
    return Record(absl::StrCat("AddApiKey ", id, " ", key));
  }
  absl::StatusOr<std::string> ImportClaudeCode(const std::string& id) override {
    return Record(absl::StrCat("ImportClaudeCode ", id));
  }
  absl::StatusOr<LoginStart> StartOAuthLogin(const std::string& id) override {
    calls.push_back(absl::StrCat("StartOAuthLogin ", id));
    if (fail) return absl::UnavailableError("cannot reach the control plane");
    return LoginStart{"login-7", "https://claude.ai/oauth/authorize?code=true&state=s"};
  }
  absl::StatusOr<std::string> CompleteOAuthLogin(const std::string& login_id,
                                                 const std::string& code) override {
    return Record(absl::StrCat("CompleteOAuthLogin ", login_id, " ", code));
  }
  absl::StatusOr<std::string> SetEnabled(const std::string& id, bool enabled) override {
    return Record(absl::StrCat("SetEnabled ", id, " ", enabled));
  }
  absl::StatusOr<std::string> SetUsageCap(const std::string& id,
                                          std::optional<double> cap) override {
    return Record(absl::StrCat("SetUsageCap ", id, " ", cap ? absl::StrCat(*cap) : "none"));
  }
  absl::StatusOr<std::string> DeleteAccount(const std::string& id) override {
    return Record(absl::StrCat("DeleteAccount ", id));
  }
  absl::StatusOr<std::string> SetAutomatic() override { return Record("SetAutomatic"); }
  absl::StatusOr<std::string> SetPreferred(const std::string& id) override {
    return Record(absl::StrCat("SetPreferred ", id));
  }
  absl::StatusOr<std::string> ReloadConfig() override { return Record("ReloadConfig"); }
  absl::StatusOr<std::string> Drain() override { return Record("Drain"); }

  std::vector<std::string> calls;
  bool fail = false;

 private:
  absl::StatusOr<std::string> Record(std::string call) {
    calls.push_back(call);
    if (fail) return absl::FailedPreconditionError("the server said no");
    return absl::StrCat("ok ", call);
  }
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : model_("127.0.0.1:3457", absl::UTCTimeZone()) {
    model_.ApplySnapshot(testing::FixedSnapshot());
  }

  void Press(const std::u32string& keys) {
    for (char32_t k : keys) controller_.HandleKey(k, model_);
  }
  void Press(Key key) { controller_.HandleKey(key, model_); }
  void Type(const std::string& text) {
    for (char c : text) controller_.HandleKey(static_cast<Key>(c), model_);
  }
  const ControllerView& view() const { return controller_.view(); }

  FakeSink sink_;
  TuiModel model_;
  TuiController controller_{sink_, /*attached=*/false};
};

TEST_F(ControllerTest, DisableAnAccountAsksFirstAndNoDoesNothing) {
  Press(U"a");
  ASSERT_EQ(view().mode, Mode::kMenu);
  EXPECT_EQ(view().title, "Accounts");
  EXPECT_EQ(view().items.size(), 6u);
  Press(U"jjj");
  EXPECT_EQ(view().items[static_cast<size_t>(view().selected)], "Enable or disable an account");
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kMenu);
  EXPECT_THAT(view().items, ElementsAre("alice  (oauth, active, 2 in flight)",
                                        "bob  (oauth, throttled)", "key1  (api key, active)",
                                        "carol  (oauth, disabled)", "dave  (oauth, needs login)"));
  Press(kKeyDown);
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kConfirm);
  EXPECT_THAT(view().title, HasSubstr("Disable bob?"));
  Press(U"x");  // anything but y/n/Esc is ignored
  EXPECT_EQ(view().mode, Mode::kConfirm);
  Press(U"n");
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_EQ(view().status, "cancelled");
  EXPECT_THAT(sink_.calls, IsEmpty());

  Press(U"ajjj");
  Press(kKeyEnter);
  Press(U"j");
  Press(kKeyEnter);
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("SetEnabled bob 0"));
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_EQ(view().status, "ok SetEnabled bob 0");
  EXPECT_EQ(view().status_tone, LogTone::kGood);
}

TEST_F(ControllerTest, ADisabledAccountIsOfferedForEnabling) {
  Press(U"ajjj");
  Press(kKeyEnter);
  Press(U"kk");  // wraps from alice up to dave, then carol
  EXPECT_EQ(view().selected, 3);
  Press(kKeyEnter);
  EXPECT_THAT(view().title, HasSubstr("Enable carol?"));
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("SetEnabled carol 1"));
}

TEST_F(ControllerTest, PreferAnAccountThenGoBackToAutomatic) {
  Press(U"m");
  ASSERT_EQ(view().mode, Mode::kMenu);
  EXPECT_EQ(view().items[0], "Automatic: the scheduler picks  (now)");
  EXPECT_EQ(view().items[3], "Prefer key1  (api key, active)");
  Press(U"jjj");
  Press(kKeyEnter);
  EXPECT_THAT(view().title, HasSubstr("Prefer key1?"));
  Press(U"y");
  Press(U"m");
  Press(kKeyEnter);
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("SetPreferred key1", "SetAutomatic"));
}

TEST_F(ControllerTest, EscapeClosesMenusAndPromptsWithoutActing) {
  Press(U"a");
  Press(kKeyEscape);
  EXPECT_EQ(view().mode, Mode::kNormal);
  Press(U"a");
  Press(kKeyEnter);  // Add an API key: the id prompt
  ASSERT_EQ(view().mode, Mode::kPrompt);
  Type("zed");
  Press(kKeyEscape);
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_THAT(sink_.calls, IsEmpty());
}

TEST_F(ControllerTest, AddAnApiKeyNeverShowsTheKey) {
  const std::string key = "sk-ant-api03-secretsecretsecretsecret-WXYZ";
  Press(U"a");
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kPrompt);
  Type("zedd");
  Press(kKeyBackspace);
  EXPECT_EQ(view().input, "zed");
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kPrompt);
  EXPECT_THAT(view().title, HasSubstr("API key for zed"));
  Type(key);
  EXPECT_EQ(view().input, [&] {
    std::string dots;
    for (size_t i = 0; i < key.size(); ++i) dots += "•";
    return dots;
  }());
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kConfirm);
  EXPECT_THAT(view().title, HasSubstr("Add API-key account zed with key sk-ant-api03…WXYZ?"));
  EXPECT_THAT(view().title, Not(HasSubstr("secret")));
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre(absl::StrCat("AddApiKey zed ", key)));
}

TEST_F(ControllerTest, UsageCapIsCheckedThenConfirmed) {
  auto open = [&] {
    Press(U"ajjjj");
    Press(kKeyEnter);  // Set a usage cap -> account list
    Press(kKeyEnter);  // alice
    ASSERT_EQ(view().mode, Mode::kPrompt);
  };
  open();
  Type("150");
  Press(kKeyEnter);
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_THAT(view().status, HasSubstr("not a cap"));
  EXPECT_EQ(view().status_tone, LogTone::kBad);
  open();
  Type("25");
  Press(kKeyEnter);
  ASSERT_EQ(view().mode, Mode::kConfirm);
  EXPECT_THAT(view().title, HasSubstr("Spare alice above 25%"));
  Press(U"y");
  open();
  Type("0");
  Press(kKeyEnter);
  EXPECT_THAT(view().title, HasSubstr("Remove the usage cap of alice"));
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("SetUsageCap alice 0.25", "SetUsageCap alice none"));
}

TEST_F(ControllerTest, DeleteRefusesABusyAccountAndAsksForAnIdleOne) {
  Press(U"ak");  // wraps to the last item: delete
  Press(kKeyEnter);
  Press(kKeyEnter);  // alice has 2 in flight
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_EQ(view().status, "alice has 2 requests in flight; disable it and retry when idle");
  Press(U"ak");
  Press(kKeyEnter);
  Press(U"jjjj");
  Press(kKeyEnter);
  EXPECT_THAT(view().title, HasSubstr("Delete dave?"));
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("DeleteAccount dave"));
}

TEST_F(ControllerTest, OAuthLoginShowsTheUrlAndTakesThePastedCode) {
  Press(U"ajj");
  Press(kKeyEnter);
  Type("erin");
  Press(kKeyEnter);
  EXPECT_THAT(view().title, HasSubstr("Start an OAuth login for erin?"));
  Press(U"y");
  ASSERT_EQ(view().mode, Mode::kPrompt);
  EXPECT_THAT(view().notes, ElementsAre(HasSubstr("Open this URL"),
                                        "https://claude.ai/oauth/authorize?code=true&state=s"));
  Type("abc#state");
  Press(kKeyEnter);
  EXPECT_THAT(sink_.calls,
              ElementsAre("StartOAuthLogin erin", "CompleteOAuthLogin login-7 abc#state"));
  EXPECT_EQ(view().status_tone, LogTone::kGood);
}

TEST_F(ControllerTest, ImportReloadAndDrainAskFirst) {
  Press(U"aj");
  Press(kKeyEnter);
  Press(kKeyEnter);  // empty id: the server picks
  EXPECT_THAT(view().title, HasSubstr("as a new account?"));
  Press(U"y");
  Press(U"s");
  EXPECT_EQ(view().mode, Mode::kConfirm);
  Press(U"y");
  Press(U"d");
  EXPECT_THAT(view().title, HasSubstr("Drain the server?"));
  Press(U"y");
  EXPECT_THAT(sink_.calls, ElementsAre("ImportClaudeCode ", "ReloadConfig", "Drain"));
}

TEST_F(ControllerTest, ErrorsShowInTheStatusLine) {
  sink_.fail = true;
  Press(U"s");
  Press(U"y");
  EXPECT_EQ(view().status, "the server said no");
  EXPECT_EQ(view().status_tone, LogTone::kBad);
  Press(U"ajj");
  Press(kKeyEnter);
  Press(kKeyEnter);
  Press(U"y");  // the login cannot start: no code prompt
  EXPECT_EQ(view().mode, Mode::kNormal);
  EXPECT_EQ(view().status, "cannot reach the control plane");
}

TEST_F(ControllerTest, QuitAtOnceWhenOnlyWatching) {
  EXPECT_FALSE(controller_.quit_requested());
  Press(U"q");
  EXPECT_TRUE(controller_.quit_requested());
  EXPECT_FALSE(controller_.drain_requested());
}

TEST(TuiControllerAttached, QuitAsksToDrain) {
  FakeSink sink;
  TuiModel model("x", absl::UTCTimeZone());
  TuiController controller(sink, /*attached=*/true);
  controller.HandleKey(U'q', model);
  EXPECT_EQ(controller.view().mode, Mode::kConfirm);
  EXPECT_EQ(controller.view().title, "Drain the server and quit?");
  controller.HandleKey(U'n', model);
  EXPECT_FALSE(controller.quit_requested());
  controller.HandleKey(U'q', model);
  controller.HandleKey(U'y', model);
  EXPECT_TRUE(controller.quit_requested());
  EXPECT_TRUE(controller.drain_requested());
  EXPECT_THAT(sink.calls, IsEmpty());  // the embedding server drains, not the control plane
}

TEST(TuiControllerAttached, RestartAsksToDrainFirst) {
  FakeSink sink;
  TuiModel model("x", absl::UTCTimeZone());
  TuiController controller(sink, /*attached=*/true);
  EXPECT_TRUE(controller.view().attached);
  controller.HandleKey(U'r', model);
  EXPECT_EQ(controller.view().mode, Mode::kConfirm);
  EXPECT_EQ(controller.view().title,
            "Drain the server and restart it (the config file is read again)?");
  controller.HandleKey(U'n', model);
  EXPECT_FALSE(controller.restart_requested());
  controller.HandleKey(U'r', model);
  controller.HandleKey(U'y', model);
  EXPECT_TRUE(controller.quit_requested());
  EXPECT_TRUE(controller.drain_requested());
  EXPECT_TRUE(controller.restart_requested());
  EXPECT_THAT(sink.calls, IsEmpty());
}

TEST(TuiControllerAttached, RestartIsOnlyForAnAttachedView) {
  FakeSink sink;
  TuiModel model("x", absl::UTCTimeZone());
  TuiController controller(sink, /*attached=*/false);
  controller.HandleKey(U'r', model);
  EXPECT_EQ(controller.view().mode, Mode::kNormal);
  EXPECT_FALSE(controller.restart_requested());
}

TEST(TuiControllerEmpty, ListsOfNoAccountsSaySo) {
  FakeSink sink;
  TuiModel model("x", absl::UTCTimeZone());
  TuiController controller(sink, false);
  controller.HandleKey(U'a', model);
  controller.HandleKey(U'j', model);
  controller.HandleKey(U'j', model);
  controller.HandleKey(U'j', model);
  controller.HandleKey(kKeyEnter, model);
  EXPECT_EQ(controller.view().mode, Mode::kNormal);
  EXPECT_EQ(controller.view().status, "no accounts yet");
}

}  // namespace
}  // namespace maxpool::tui
