// UTF-8 helpers for text shown on a phone: cutting it short without splitting a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gridrelay {

// `text` cut to at most `max_bytes` bytes at a character boundary; `ellipsis` is appended when
// anything was cut (and does not count against `max_bytes`).
std::string TruncateUtf8(std::string_view text, size_t max_bytes, std::string_view ellipsis = "");

// `text` as valid UTF-8: each byte that does not start a well-formed sequence (a stray
// continuation byte, a truncated, overlong or surrogate sequence, a code point past U+10FFFF)
// becomes U+FFFD, and control characters other than tab and newline become a space. For text
// that came from outside (a receiver's error body) before it is stored or shown.
std::string SanitizeUtf8(std::string_view text);

}  // namespace gridrelay
