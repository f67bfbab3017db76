// Structured logs: one JSON object per line on stderr, {"ts","level","msg",...fields}.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/adapter.h"

namespace gridrelay {

// Sets the minimum level ("debug", "info", "warn", "error"). Default: info.
void SetLogLevel(std::string_view level);
void Log(std::string_view level, std::string_view msg, const nlohmann::json& fields = nlohmann::json::object());
// Log as a LogFn, for the components that take one.
LogFn JsonLogger();

}  // namespace gridrelay
