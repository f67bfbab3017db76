#include "util/log.h"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gridrelay {
namespace {

spdlog::level::level_enum ToLevel(std::string_view level);

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("gridrelay");
    // The line is built as JSON here; spdlog adds the time and the level.
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->flush_on(spdlog::level::info);
    if (const char* env = std::getenv("GRIDRELAY_LOG_LEVEL")) l->set_level(ToLevel(env));
    return l;
  }();
  return logger;
}

spdlog::level::level_enum ToLevel(std::string_view level) {
  if (level == "debug") return spdlog::level::debug;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return spdlog::level::info;
}

}  // namespace

void SetLogLevel(std::string_view level) { Logger()->set_level(ToLevel(level)); }

void Log(std::string_view level, std::string_view msg, const nlohmann::json& fields) {
  auto logger = Logger();
  const auto lvl = ToLevel(level);
  if (!logger->should_log(lvl)) return;
  nlohmann::json line = {{"msg", std::string(msg)}};
  if (fields.is_object()) line.update(fields);
  std::string body = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Strip the outer braces: the pattern supplies them around ts and level.
  logger->log(lvl, "{}", std::string_view(body).substr(1, body.size() - 2));
}

LogFn JsonLogger() {
  return [](std::string_view level, std::string_view msg, const nlohmann::json& fields) { Log(level, msg, fields); };
}

}  // namespace gridrelay
