// Tests for util/log: personal numbers are masked and message texts are debug-only, at the
// logging layer, whatever a call site passes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "util/log.h"

namespace gridrelay::testing {
namespace {

// Captures what Log writes while alive; restores stderr and the info level after.
struct CapturedLogs {
  std::ostringstream out;
  CapturedLogs() {
    TEST_SetLogStream(&out);
    SetLogLevel("info");
  }
  ~CapturedLogs() {
    TEST_SetLogStream(nullptr);
    const char* env = std::getenv("GRIDRELAY_LOG_LEVEL");
    SetLogLevel(env ? env : "info");
  }
  std::string text() const { return out.str(); }
};

}  // namespace

TEST_SUITE("log") {
  TEST_CASE("personal numbers are masked to their first 3 and last 4 digits, other numbers are kept") {
    struct Case {
      const char* in;
      const char* out;
    };
    const Case cases[] = {
        {"电话13812345678找我", "电话138****5678找我"},
        {"138-1234-5678", "138-****-5678"},
        {"身份证110101199003071234", "身份证110***********1234"},
        {"11010119900307123X", "110***********123X"},
        {"110101900307123", "110********7123"},  // 15-digit ID card
        {"卡号6222 0212 3456 7890 收", "卡号622* **** **** 7890 收"},
        {"6222021234567890123", "622************0123"},  // 19 digits
        {"１３８１２３４５６７８", "１３８****５６７８"},  // full-width
        {"工单#12 at 1732262400 (10 digits), ms 1732262400000", "工单#12 at 1732262400 (10 digits), ms 1732262400000"},
        {"12345678901", "12345678901"},  // 11 digits, not a mobile prefix
        {"2026-12-07 15:00", "2026-12-07 15:00"},
        {"key m13812345678x:ack", "key m13812345678x:ack"},  // glued to letters: an id
    };
    for (const auto& c : cases) {
      CAPTURE(c.in);
      CHECK(MaskPersonalNumbers(c.in) == c.out);
    }
  }

  TEST_CASE("no log line carries a planted phone, ID card or bank card number, at any depth") {
    CapturedLogs logs;
    Log("warn", "call 13912345678",
        {{"error", "receiver said: card 6222021234567890 declined"},
         {"nested", {{"who", {"id 110101199003071234", 42}}}},
         {"to", "13700001111"}});
    const std::string line = logs.text();
    CHECK(line.find("13912345678") == std::string::npos);
    CHECK(line.find("6222021234567890") == std::string::npos);
    CHECK(line.find("110101199003071234") == std::string::npos);
    CHECK(line.find("13700001111") == std::string::npos);
    CHECK(line.find("139****5678") != std::string::npos);
    CHECK(line.find("622*********7890") != std::string::npos);
    CHECK(line.find("137****1111") != std::string::npos);
    CHECK(line.find("42") != std::string::npos);  // numbers that are not strings are kept
    CHECK(nlohmann::json::parse(line, nullptr, false).is_object());
  }

  TEST_CASE("message texts are written only at debug") {
    CapturedLogs logs;
    Log("info", "delivered", {{"channel", "demo"}, {"text", "3栋楼道灯坏了"}, {"kind", "staff_notify"}});
    std::string info = logs.text();
    CHECK(info.find("3栋楼道灯坏了") == std::string::npos);
    auto line = nlohmann::json::parse(info, nullptr, false);
    REQUIRE(line.is_object());
    CHECK(line["text_bytes"] == std::string("3栋楼道灯坏了").size());
    CHECK(line["channel"] == "demo");
    logs.out.str("");
    Log("info", "delivered (log only)", {{"outbound", {{"text", "家暴求助"}, {"group_id", "g1"}}}});
    CHECK(logs.text().find("家暴求助") == std::string::npos);  // nested texts too
    CHECK(logs.text().find("\"group_id\":\"g1\"") != std::string::npos);

    logs.out.str("");
    SetLogLevel("debug");
    Log("info", "delivered", {{"text", "3栋楼道灯坏了，电话13812345678"}});
    const std::string debug = logs.text();
    CHECK(debug.find("3栋楼道灯坏了") != std::string::npos);
    CHECK(debug.find("13812345678") == std::string::npos);  // masked even at debug
    CHECK(debug.find("138****5678") != std::string::npos);
  }
}

}  // namespace gridrelay::testing
