#pragma once

// Maps a loaded config onto the routing core's plain settings (src/core/settings.h,
// src/core/account.h). Pure functions of a config that LoadConfig accepted; fields absent from
// it keep the core's defaults (which are the reference's, spec §0.3). Thread-safe.

#include <vector>

#include "core/account.h"
#include "core/settings.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// scheduler.routingMode, or when absent the legacy derivation of spec §6.5:
// crossProviderFallbackPolicy "always" -> kBalance, "when-exhausted" -> kPreferClaude, anything
// else -> kSticky.
core::RoutingMode RoutingModeOf(const v1::SchedulerConfig& scheduler);

// scheduler.*, switchThreshold (0 -> 0.90) and quotaProbeSeconds.
core::SchedulerSettings SchedulerSettingsOf(const v1::Config& config);

// queue.*; pollMs is raised to at least 100 and heartbeatMs to at least 1000 (spec §5.3, §5.4);
// a nullable wait set to null in the file (absent here) becomes nullopt.
core::QueueSettings QueueSettingsOf(const v1::Config& config);

// retry.*.
core::RetrySettings RetrySettingsOf(const v1::Config& config);

// accounts[], in file order, without those lacking their credential (spec §1.1): type and
// provider enums, priority (default 0), capUtilization only when in (0, 1), profiles (default
// ["claude", "all"], providers ["all"]), enabled (default true), addedAt. An account without a
// name is called "account-<1-based index>".
std::vector<core::AccountSettings> AccountSettingsOf(const v1::Config& config);

// providers[] (config-sourced provider accounts, spec §1.6), in file order: type kProvider,
// priority default 10, profiles ["all"], enabled default true. Their secret is resolved
// elsewhere.
std::vector<core::AccountSettings> ProviderAccountSettingsOf(const v1::Config& config);

}  // namespace maxpool::config
