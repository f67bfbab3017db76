#include "util/log.h"

#include <cstdlib>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gridrelay {
namespace {

constexpr const char* kPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})";

spdlog::level::level_enum ToLevel(std::string_view level);

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("gridrelay");
    // The line is built as JSON here; spdlog adds the time and the level.
    l->set_pattern(kPattern, spdlog::pattern_time_type::utc);
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

// The byte length of the digit at `i` (ASCII, or full-width U+FF10..U+FF19), or 0.
size_t DigitAt(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c >= '0' && c <= '9') return 1;
  if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBC) {
    const auto d = static_cast<unsigned char>(s[i + 2]);
    if (d >= 0x90 && d <= 0x99) return 3;
  }
  return 0;
}

char DigitValue(std::string_view s, size_t i, size_t len) {
  return len == 1 ? s[i] : static_cast<char>('0' + (static_cast<unsigned char>(s[i + 2]) - 0x90));
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsPersonal(const std::string& digits, bool x_check) {
  const size_t n = digits.size();
  if (x_check) return n == 17;                                                         // ID card ending in X
  if (n == 11) return digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';        // mobile
  return n == 15 || (n >= 16 && n <= 19);                                              // old ID, new ID (18), bank
}

void MaskJson(nlohmann::json& j) {
  if (j.is_string()) {
    j = MaskPersonalNumbers(j.get_ref<const std::string&>());
  } else if (j.is_object() || j.is_array()) {
    for (auto& v : j) MaskJson(v);
  }
}

// Replaces each field named text, body or content, at any depth, by its length in bytes.
void StripTexts(nlohmann::json& j) {
  if (j.is_array()) {
    for (auto& v : j) StripTexts(v);
    return;
  }
  if (!j.is_object()) return;
  for (const char* key : {"text", "body", "content"}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    const size_t bytes = it->is_string() ? it->get_ref<const std::string&>().size() : it->dump().size();
    j.erase(it);
    j[std::string(key) + "_bytes"] = bytes;
  }
  for (auto& v : j) StripTexts(v);
}

}  // namespace

std::string MaskPersonalNumbers(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = DigitAt(s, i);
    if (len == 0 || (i > 0 && IsAsciiAlnum(s[i - 1]))) {
      // Not the start of a number (a digit inside a word like "abc123" is part of an id).
      const size_t step = len > 0 ? len : 1;
      out.append(s.substr(i, step));
      i += step;
      continue;
    }
    // A run of digits, possibly grouped by single spaces or dashes.
    struct Digit {
      size_t at, len;
    };
    std::vector<Digit> run;
    std::string digits;
    size_t j = i;
    while (true) {
      const size_t l = DigitAt(s, j);
      if (l > 0) {
        run.push_back({j, l});
        digits.push_back(DigitValue(s, j, l));
        j += l;
        continue;
      }
      if (j < s.size() && (s[j] == ' ' || s[j] == '-') && DigitAt(s, j + 1) > 0) {
        ++j;
        continue;
      }
      break;
    }
    bool x_check = false;
    if (j < s.size() && (s[j] == 'X' || s[j] == 'x') && digits.size() == 17) {
      x_check = true;
      ++j;
    }
    if (j < s.size() && IsAsciiAlnum(s[j])) {
      out.append(s.substr(i, j - i));  // glued to letters: an id, not a number on its own
      i = j;
      continue;
    }
    if (!IsPersonal(digits, x_check)) {
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    const size_t keep_tail = x_check ? 3 : 4;  // with the X, 3 digits and the X stay visible
    size_t next_digit = 0;
    size_t k = i;
    for (const Digit& d : run) {
      out.append(s.substr(k, d.at - k));  // separators
      const bool visible = next_digit < 3 || next_digit + keep_tail >= run.size();
      if (visible) {
        out.append(s.substr(d.at, d.len));
      } else {
        out.push_back('*');
      }
      ++next_digit;
      k = d.at + d.len;
    }
    out.append(s.substr(k, j - k));  // the X, if any
    i = j;
  }
  return out;
}

void SetLogLevel(std::string_view level) { Logger()->set_level(ToLevel(level)); }

void Log(std::string_view level, std::string_view msg, const nlohmann::json& fields) {
  auto logger = Logger();
  const auto lvl = ToLevel(level);
  if (!logger->should_log(lvl)) return;
  nlohmann::json line = {{"msg", std::string(msg)}};
  if (fields.is_object()) line.update(fields);
  if (!logger->should_log(spdlog::level::debug)) StripTexts(line);  // message texts are opt-in: debug only
  MaskJson(line);
  std::string body = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Strip the outer braces: the pattern supplies them around ts and level.
  logger->log(lvl, "{}", std::string_view(body).substr(1, body.size() - 2));
}

LogFn JsonLogger() {
  return [](std::string_view level, std::string_view msg, const nlohmann::json& fields) { Log(level, msg, fields); };
}

void TEST_SetLogStream(std::ostream* out) {
  auto logger = Logger();
  auto& sinks = logger->sinks();
  sinks.clear();
  if (out) {
    sinks.push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(*out, /*force_flush=*/true));
  } else {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
}

}  // namespace gridrelay
