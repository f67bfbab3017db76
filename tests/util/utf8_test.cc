// TruncateUtf8 (util/utf8.h): never splits a character, appends the ellipsis only when it cut.
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

}  // namespace gridrelay
