// Structured logs: one JSON object per line on stderr, {"ts","level","msg",...fields}.
//
// Personal data is handled here, at the one place every line passes, so that no call site can
// forget it:
//  - personal numbers (mobile phones, ID cards, bank cards) in any string, the message or a
//    field at any depth, are masked to their first 3 and last 4 digits (MaskPersonalNumbers);
//  - message texts (the top-level fields `text`, `body` and `content`) are written only when
//    the level is debug; at info and above a line says how long the text was instead.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/adapter.h"

namespace gridrelay {

// Sets the minimum level ("debug", "info", "warn", "error"). Default: info.
void SetLogLevel(std::string_view level);
void Log(std::string_view level, std::string_view msg, const nlohmann::json& fields = nlohmann::json::object());
// Log as a LogFn, for the components that take one.
LogFn JsonLogger();

// `text` with every personal number masked: a mobile number (11 digits from 1[3-9]), an ID card
// (15 digits, or 17 and a check digit or X) and a bank card (16-19 digits) keep their first 3 and
// last 4 digits, the rest become '*'. Digits may be ASCII or full-width and may be grouped with
// single spaces or dashes ("6222 0212 3456 7890"); runs of other lengths (times, ids) are kept.
std::string MaskPersonalNumbers(std::string_view text);

// Tests only: writes log lines to `out` instead of stderr (nullptr: back to stderr).
void TEST_SetLogStream(std::ostream* out);

}  // namespace gridrelay
