// Tests for intents/normaliser.cc: every documented transformation, and the offset map.
#include "intents/normaliser.h"

#include <doctest/doctest.h>

#include <string>

namespace gridrelay::intents {
namespace {

const Normaliser& N() {
  static const Normaliser n = [] {
    auto created = Normaliser::Create();
    REQUIRE(created.ok());
    return *created;
  }();
  return n;
}

TEST_SUITE("Normaliser") {
  TEST_CASE("each documented transformation produces the canonical text") {
    struct Case {
      const char* name;
      std::string in;
      std::string want;
    };
    const Case kCases[] = {
        {"full-width ASCII becomes half-width and lower case", "ＱＱ号：１２３４５６", "qq号:123456"},
        {"Latin is lower-cased", "ETC卡失效", "etc卡失效"},
        {"traditional becomes simplified", "電梯壞了，誰來修", "电梯坏了,谁来修"},
        {"traditional inside a scam phrase", "請把錢轉到安全賬戶", "请把钱转到安全账户"},
        {"emoji are removed", "电梯坏了😡😡快来修🙏", "电梯坏了快来修"},
        {"emoji between Latin words leave a space", "ok👍thanks", "ok thanks"},
        {"a WeChat @mention is stripped", "@张三\u2005电梯坏了", "电梯坏了"},
        {"a glued @所有人 is stripped", "@所有人明天停水", "明天停水"},
        {"an e-mail address keeps its @", "发到abc@qq.com", "发到abc@qq.com"},
        {"CQ codes are stripped", "[CQ:at,qq=12345] 楼上装修太吵", "楼上装修太吵"},
        {"a CQ image between words is stripped", "看这个[CQ:image,file=a.jpg]是不是诈骗", "看这个是不是诈骗"},
        {"bracket emoticons are stripped", "又停水了[捂脸][捂脸]", "又停水了"},
        {"<at> markup is stripped", "<at user_id=\"ou_1\">李四</at> 电梯坏了", "电梯坏了"},
        {"spaces between CJK characters are removed", "安 全 账 户", "安全账户"},
        {"dashes between CJK characters are removed", "刷-单返利", "刷单返利"},
        {"dots and stars between CJK characters are removed", "刷.单 兼*职", "刷单兼职"},
        {"zero-width characters are removed", "刷\u200b单", "刷单"},
        {"whitespace between Latin words collapses to one space", "hello   \t world", "hello world"},
        {"leading and trailing whitespace is trimmed", "  你好  ", "你好"},
        {"repeated punctuation collapses", "太吵了！！！！？？", "太吵了!?"},
        {"repeated ideographic full stops collapse", "怎么办。。。", "怎么办。"},
        {"dots in a URL are kept", "点击www.abc.com领取", "点击www.abc.com领取"},
        {"full-width digits become ASCII", "电话１３８００１３８０００", "电话13800138000"},
        {"a run of Chinese digits becomes ASCII", "加我一三八零零一三八零零零", "加我13800138000"},
        {"Chinese digits next to ASCII digits become ASCII", "138零零138000", "13800138000"},
        {"an amount with units stays as written", "转了三千块", "转了三千块"},
        {"a short Chinese number stays as written", "一个人", "一个人"},
        {"circled digits become digits", "①号楼", "1号楼"},
        {"Cyrillic look-alikes become Latin", "\u0441\u043e\u043c", "com"},
        {"spaced-out traditional scam words", "安 全 賬 戶", "安全账户"},
        {"ideographic space is whitespace", "你好\u3000世界", "你好世界"},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.name));
      CHECK(N().Normalise(c.in).text == c.want);
    }
  }

  TEST_CASE("invalid UTF-8 is repaired with U+FFFD and counted") {
    std::string bad = "电梯\xff\xfe坏了\xe7\x94";  // two stray bytes and a truncated character
    NormalisedText n = N().Normalise(bad);
    CHECK(n.invalid_bytes == 4);
    CHECK(n.text == "电梯\xef\xbf\xbd\xef\xbf\xbd坏了\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(RepairUtf8(bad) == n.text);
  }

  TEST_CASE("overlong encodings and surrogates are invalid") {
    int bad = 0;
    CHECK(RepairUtf8("\xc0\xaf", &bad) == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(bad == 2);
    RepairUtf8("\xed\xa0\x80", &bad);  // U+D800
    CHECK(bad == 3);
    RepairUtf8("ok 中文 \xf0\x9f\x98\x80", &bad);
    CHECK(bad == 0);
  }

  TEST_CASE("the offset map points at the original characters") {
    std::string in = "@王五 請把錢轉到安 全 賬 戶！！";
    NormalisedText n = N().Normalise(in);
    REQUIRE(n.text == "请把钱转到安全账户!");
    size_t at = n.text.find("安全账户");
    TextSpan s = n.ToOriginal(static_cast<int>(at), static_cast<int>(at + std::string("安全账户").size()));
    CHECK(in.substr(s.begin, s.end - s.begin) == "安 全 賬 戶");
    TextSpan bang = n.ToOriginal(static_cast<int>(n.text.size() - 1), static_cast<int>(n.text.size()));
    CHECK(in.substr(bang.begin, bang.end - bang.begin) == "！！");
  }

  TEST_CASE("the offset map covers every output byte") {
    NormalisedText n = N().Normalise("ＡＢＣ電話１２３");
    CHECK(n.orig_begin.size() == n.text.size());
    CHECK(n.orig_end.size() == n.text.size());
    for (size_t i = 0; i < n.text.size(); ++i) CHECK(n.orig_begin[i] < n.orig_end[i]);
  }

  TEST_CASE("empty and whitespace-only input normalise to empty text") {
    CHECK(N().Normalise("").text.empty());
    CHECK(N().Normalise(" \t\n ").text.empty());
    CHECK(N().Normalise("😀🙏").text.empty());
  }
}

}  // namespace
}  // namespace gridrelay::intents
