// The work behind `gridrelay deadline` and the workflow part of `gridrelay check-config`.
// gateway/main.cc only parses flags and calls these.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace gridrelay::workflow {

inline constexpr int kExitUsage = 2;  // a malformed argument: the command prints its usage

struct DeadlineArgs {
  std::string from;                     // ISO 8601, e.g. 2026-10-09T17:00:00+08:00
  std::optional<double> working_hours;  // exactly one of these two
  std::optional<double> calendar_hours;
};

inline constexpr std::string_view kDeadlineUsage =
    "usage: gridrelay deadline --from 2026-10-09T17:00:00+08:00 (--working-hours H | --calendar-hours H) "
    "[--config DIR]";

// Prints the due time (ISO 8601, +08:00) and the working periods used, from
// <config_dir>/calendar.yaml. Returns the exit code: 0; 1 when the calendar is invalid;
// kExitUsage (with the usage line on `err`) for a malformed time or duration.
int RunDeadline(const std::filesystem::path& config_dir, const DeadlineArgs& args, std::ostream& out,
                std::ostream& err);

// Validates calendar.yaml and deadlines.yaml (file:line errors) against `known_intents`, and
// prints a warning line for the current and the next year when the calendar does not list
// them (they fall back to plain weekends). `now_unix_s` decides which year is current.
[[nodiscard]] Status CheckWorkflowConfig(const std::filesystem::path& config_dir,
                                         std::span<const std::string_view> known_intents, int64_t now_unix_s,
                                         std::ostream& out);

}  // namespace gridrelay::workflow
