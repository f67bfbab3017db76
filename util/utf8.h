// UTF-8 helpers for text shown on a phone: cutting it short without splitting a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gridrelay {

// `text` cut to at most `max_bytes` bytes at a character boundary; `ellipsis` is appended when
// anything was cut (and does not count against `max_bytes`).
std::string TruncateUtf8(std::string_view text, size_t max_bytes, std::string_view ellipsis = "");

}  // namespace gridrelay
