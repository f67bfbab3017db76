// util/utf8.h: TruncateUtf8 never splits a character and appends the ellipsis only when it cut;
// SanitizeUtf8 turns outside text into valid UTF-8.
#include <doctest/doctest.h>

#include "util/utf8.h"

namespace gridrelay {

TEST_CASE("TruncateUtf8 cuts at a character boundary and marks only a cut") {
  const std::string lamp = "楼道灯坏了";  // 5 characters of 3 bytes
  CHECK(TruncateUtf8(lamp, 15) == lamp);
  CHECK(TruncateUtf8(lamp, 15, "…") == lamp);  // nothing cut, nothing appended
  CHECK(TruncateUtf8(lamp, 14) == "楼道灯坏");
  CHECK(TruncateUtf8(lamp, 7, "…") == "楼道…");
  CHECK(TruncateUtf8(lamp, 2) == "");
  CHECK(TruncateUtf8("ab楼", 3) == "ab");
  CHECK(TruncateUtf8("", 0) == "");
}

TEST_CASE("SanitizeUtf8 replaces every malformed byte and control character, and keeps valid text") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(SanitizeUtf8("楼道灯坏了 ok\tnext\nline") == "楼道灯坏了 ok\tnext\nline");
  CHECK(SanitizeUtf8("HTTP 500: \xFF\xFE" "bad") == "HTTP 500: " + fffd + fffd + "bad");
  CHECK(SanitizeUtf8("\xE6\xA5") == fffd + fffd);             // a truncated 3-byte sequence
  CHECK(SanitizeUtf8("\xC0\xAF") == fffd + fffd);             // an overlong '/'
  CHECK(SanitizeUtf8("\xED\xA0\x80") == fffd + fffd + fffd);  // a surrogate
  CHECK(SanitizeUtf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // past U+10FFFF
  CHECK(SanitizeUtf8("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");      // an emoji stays
  CHECK(SanitizeUtf8(std::string("a\0b\x1B[31m", 8)) == "a b [31m");
  CHECK(SanitizeUtf8("") == "");
}

}  // namespace gridrelay
