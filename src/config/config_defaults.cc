#include "config/config_defaults.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "absl/strings/escaping.h"
#include "boost/json/parse.hpp"
#include "config/json_proto_codec.h"

namespace maxpool::config {
namespace {

// Spec §12.3 (the reference's DEFAULT_PEAK_PROVIDERS).
constexpr std::string_view kPeakDefaults = R"({
  "zai": {
    "peakTimezone": "Asia/Singapore",
    "peakWindows": [{"days": [1, 2, 3, 4, 5], "startMin": 840, "endMin": 1080}],
    "peakCap": 0.5,
    "peakDepreference": true
  },
  "kimi": {"peakWindows": [], "peakCap": 0.5, "peakDepreference": true}
})";

// Spec §0.3, in the reference's key order; scheduler.providers is filled from kPeakDefaults.
constexpr std::string_view kFileDefaults = R"({
  "proxy": {"port": 3456, "host": "127.0.0.1"},
  "upstream": "https://api.anthropic.com",
  "preventSleep": true,
  "updateCheck": true,
  "autoUpdate": false,
  "switchThreshold": 0.9,
  "quotaProbeSeconds": 60,
  "routing": {"mode": "automatic", "preferredAccount": null},
  "scheduler": {
    "mode": "adaptive-least-loaded",
    "safetyMaxActivePerAccount": 50,
    "safetyMaxGlobalActive": 150,
    "cooldownMs": 30000,
    "maxCooldownMs": 900000,
    "networkCooldownMs": 5000,
    "weeklySoftThreshold": 0.65,
    "weeklyReserveThreshold": 0.85,
    "weeklyCriticalThreshold": 0.95,
    "weeklyExhaustedThreshold": 0.999,
    "crossProviderFallbackPolicy": "never",
    "providerCrossFallback": true,
    "providers": {},
    "peakDefaultsVersion": 1
  },
  "retry": {"maxAttemptsPerRequest": 0, "maxRetryBufferBytes": 10485760},
  "shutdown": {"drainTimeoutMs": 15000},
  "queue": {
    "enabled": true,
    "maxWaitMs": 86400000,
    "autoMaxWaitMs": null,
    "capacityMaxWaitMs": 900000,
    "weeklyMaxWaitMs": 86400000,
    "streamHoldMaxMs": 604800000,
    "nonStreamMaxWaitMs": 300000,
    "maxConcurrentQueued": 64,
    "maxQueuedBytes": 1073741824,
    "maxQueuedBodyBytes": 268435456,
    "pollMs": 1000,
    "heartbeatMs": 10000
  },
  "accounts": [],
  "providers": []
})";

// Spec §0.3 "Additional scheduler defaults that live only in code" and "Other recognised config
// keys"; control/admin/logging are ours (docs/architecture.md, ports table).
constexpr std::string_view kCodeDefaults = R"({
  "scheduler": {
    "criticalPreResetHours": 2,
    "criticalPressureUnlockRoutes": 0,
    "criticalPressureCost": 21,
    "criticalDrainFloorCost": 8,
    "criticalPeakUnlock": false,
    "weeklyBurnDebtWeight": 0.6,
    "concurrencyWeight": 2,
    "perAccountConcurrencyTarget": 3,
    "capPenaltyWeight": 10,
    "paceCostWeight": 1.5,
    "utilizationWeight": 3,
    "weeklyAwareScoring": true,
    "scarcityWeight": 6,
    "reserveFloorCost": 5,
    "reserveBandWeight": 8,
    "reserveScarcityWeight": 6,
    "reserveConcurrencyTarget": 2,
    "spreadShareWeight": 3,
    "fastRefillDiscount": 0.6,
    "fastRefillFadeUtil": 0.65,
    "recoveryRampWeight": 4,
    "recoveryRampMs": 300000,
    "spreadWindowMs": 900000,
    "crossAccountThinkingMigration": true,
    "sessionIdleMs": 86400000,
    "maxSessionBindings": 20000
  },
  "autoApply": false,
  "eventLog": true,
  "sync": {"accountsIntervalMs": 15000},
  "restartDrainTimeoutMs": 10000,
  "ui": {"hideDisabled": false},
  "control": {"host": "127.0.0.1", "port": 3457},
  "admin": {"host": "127.0.0.1", "port": 3458},
  "logging": {"format": "text", "level": "info"}
})";

boost::json::object ParseObject(std::string_view text) {
  return boost::json::parse(text).as_object();  // a constant above; cannot fail
}

}  // namespace

const boost::json::object& PeakDefaultsJson() {
  static const auto* const kObject = new boost::json::object(ParseObject(kPeakDefaults));
  return *kObject;
}

const boost::json::object& FileDefaultsJson() {
  static const auto* const kObject = [] {
    auto* object = new boost::json::object(ParseObject(kFileDefaults));
    (*object)["scheduler"].as_object()["providers"] = PeakDefaultsJson();
    return object;
  }();
  return *kObject;
}

const boost::json::object& CodeDefaultsJson() {
  static const auto* const kObject = new boost::json::object(ParseObject(kCodeDefaults));
  return *kObject;
}

std::string NewProxyApiKey() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::fputs("maxpool: fatal: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  return "mp-" + absl::WebSafeBase64Escape(
                     absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

v1::Config DefaultConfig() {
  v1::Config config;
  // The defaults are constants that match the schema; a failure is a bug caught by the tests.
  (void)DecodeJson(FileDefaultsJson(), config, nullptr);
  config.mutable_proxy()->set_api_key(NewProxyApiKey());
  return config;
}

}  // namespace maxpool::config
