// Tests for intents/entities.cc. A table of labelled messages (at least 100 rows) is run
// through the normaliser and the extractors; the test reports precision and recall per
// entity type and overall, and fails below the documented floor. Rows with no entity check
// that ordinary numbers are not reported.
#include "intents/entities.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

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

struct Row {
  const char* text;
  std::vector<std::string> want;  // "type=value"
};

const std::vector<Row>& Table() {
  static const std::vector<Row> kRows = {
      // phone
      {"我的电话13812345678有事打我", {"phone=13812345678"}},
      {"联系人王先生 138-1234-5678", {"phone=13812345678"}},
      {"电话：139 1234 5678", {"phone=13912345678"}},
      {"+86 13700001111 是骗子的号码", {"phone=13700001111"}},
      {"打了我好几次，号码是１５８１２３４５６７８", {"phone=15812345678"}},
      {"号码一三八一二三四五六七八，大家小心", {"phone=13812345678"}},
      {"物业座机010-88886666没人接", {"phone=01088886666"}},
      {"派出所电话0755-12345678", {"phone=075512345678"}},
      {"客服热线400-123-4567说要退款", {"phone=4001234567"}},
      {"自称客服的4008001234打来", {"phone=4008001234"}},
      {"17612345678这个号一直骚扰我", {"phone=17612345678"}},
      {"他用19912345678给我打电话", {"phone=19912345678"}},
      {"刚才18600001111来电说是公安", {"phone=18600001111"}},
      {"手机号 1 3 8 1 2 3 4 5 6 7 8", {"phone=13812345678"}},
      {"订单号238123456789不是电话", {}},
      {"编号12345678901不是手机号", {}},
      // url / domain
      {"点这个链接 http://etc-update.top/login 就能恢复", {"url=http://etc-update.top/login"}},
      {"https://www.icbc-verify.com/a?id=3 说是银行", {"url=https://www.icbc-verify.com/a?id=3"}},
      {"收到短信让我登录www.gov-bt.cn领补贴", {"url=www.gov-bt.cn"}},
      {"网址：HTTPS://ABC.XYZ/Pay", {"url=https://abc.xyz/pay"}},
      {"让我下载app，地址是http://t.cn/A6x9.", {"url=http://t.cn/a6x9"}},
      {"有个网站叫 yibao-tuikuan.top 说能退医保", {"domain=yibao-tuikuan.top"}},
      {"登录 etc-renzheng.cc 认证一下", {"domain=etc-renzheng.cc"}},
      {"刷单平台是taobao-vip.shop", {"domain=taobao-vip.shop"}},
      {"他给我发了abc123.vip这个网站", {"domain=abc123.vip"}},
      {"看看 sub.example.com/path 这个", {"domain=sub.example.com"}},
      {"邮箱是abc@qq.com", {}},
      {"版本号是1.2.3", {}},
      {"链接ｈｔｔｐ：／／ｆａｋｅ．ｔｏｐ／ｘ", {"url=http://fake.top/x"}},
      // bank card
      {"让我转到6222021234567890128这张卡", {"bank_card=6222021234567890128"}},
      {"卡号 6222 0212 3456 7890 128", {"bank_card=6222021234567890128"}},
      {"对方账户4111111111111111", {"bank_card=4111111111111111"}},
      {"卡号6217-0000-0000-0000-004", {"bank_card=6217000000000000004"}},
      {"收款卡 5500000000000004", {"bank_card=5500000000000004"}},
      {"卡号6222021234567890123（写错了）", {}},
      {"账号1234567812345678不对", {}},
      {"工行卡６２２２０２１２３４５６７８９０１２８", {"bank_card=6222021234567890128"}},
      // money
      {"被骗了3万", {"money=30000"}},
      {"转了30000元给他", {"money=30000"}},
      {"让我转三千", {"money=3000"}},
      {"已经转了三千元", {"money=3000"}},
      {"一共被骗两万五", {"money=25000"}},
      {"借了他5000块钱", {"money=5000"}},
      {"押金2000元不退", {"money=2000"}},
      {"交了¥199会员费", {"money=199"}},
      {"先交￥500保证金", {"money=500"}},
      {"月薪8k拖欠三个月", {"money=8000"}},
      {"投了1.5万进去", {"money=15000"}},
      {"损失3.5万元", {"money=35000"}},
      {"欠我十万块", {"money=100000"}},
      {"工资一万二千元没发", {"money=12000"}},
      {"赔了三百五十元", {"money=350"}},
      {"退款99.9元", {"money=99.9"}},
      {"返利50元一单", {"money=50"}},
      {"垫付了2w", {"money=20000"}},
      {"充值一千块", {"money=1000"}},
      {"彩礼二十万", {"money=200000"}},
      {"被骗了一点五万", {"money=15000"}},
      {"欠款5万元至今未还", {"money=50000"}},
      {"三个人一起去", {}},
      {"有人圈了一块地种菜", {}},
      {"墙皮一块块往下掉", {}},
      {"买了东西给好评商家返5块", {"money=5"}},
      {"等了十天还没修", {}},
      {"100米外有个垃圾站", {}},
      {"住了20年", {}},
      // address
      {"3栋2单元501漏水", {"address=3栋2单元501室"}},
      {"5号楼1单元302室楼上太吵", {"address=5栋1单元302室"}},
      {"12幢3单元1102", {"address=12栋3单元1102室"}},
      {"我住7栋", {"address=7栋"}},
      {"8号楼楼道灯坏了", {"address=8栋"}},
      {"2单元1201门口堆了杂物", {"address=2单元1201室"}},
      {"三栋二单元楼道灯坏了", {"address=3栋2单元"}},
      {"１５栋６０２的住户", {"address=15栋602室"}},
      {"A区3栋1802室", {"address=3栋1802室"}},
      {"11栋2单元的电梯坏了", {"address=11栋2单元"}},
      {"我在9幢501", {"address=9栋501室"}},
      {"楼下4栋3单元101在装修", {"address=4栋3单元101室"}},
      // qq / wechat
      {"加我QQ：123456789", {"qq=123456789"}},
      {"qq号 987654321 刷单群", {"qq=987654321"}},
      {"扣扣12345678联系", {"qq=12345678"}},
      {"加微信abc_123领取", {"wechat=abc_123"}},
      {"微信号：Zhang-San88", {"wechat=zhang-san88"}},
      {"vx: liu12345 私聊", {"wechat=liu12345"}},
      {"加V信wxid_abc123", {"wechat=wxid_abc123"}},
      {"加他微信13912345678", {"wechat=13912345678"}},
      {"薇信 fuli888 领红包", {"wechat=fuli888"}},
      {"微信群里有人发链接", {}},
      {"QQ群里有人刷单", {}},
      // combinations
      {"客服13812345678让我转5000元到6222021234567890128",
       {"phone=13812345678", "money=5000", "bank_card=6222021234567890128"}},
      {"加QQ123456789，登录www.fake-etc.top，交200元", {"qq=123456789", "url=www.fake-etc.top", "money=200"}},
      {"3栋2单元501的住户被骗了2万", {"address=3栋2单元501室", "money=20000"}},
      {"骗子电话15900001111，微信kefu_001", {"phone=15900001111", "wechat=kefu_001"}},
      {"链接http://a.top/x 还有电话13800138000", {"url=http://a.top/x", "phone=13800138000"}},
      {"卡号4111 1111 1111 1111，户名张三，金额3万", {"bank_card=4111111111111111", "money=30000"}},
      {"5号楼楼下，电话13712345678", {"address=5栋", "phone=13712345678"}},
      {"被骗一万，对方QQ 55667788", {"money=10000", "qq=55667788"}},
      {"交了800元押金，房东电话13612345678不接", {"money=800", "phone=13612345678"}},
      {"etc失效点 etc-fix.xyz 认证，客服4001234567", {"domain=etc-fix.xyz", "phone=4001234567"}},
      // nothing to extract
      {"电梯坏了", {}},
      {"今天天气不错", {}},
      {"2024年3月5日下午3点停水", {}},
      {"楼上装修，早上7点就开始", {}},
      {"第3期培训", {}},
      {"孩子今年12岁", {}},
      {"温度38度", {}},
      {"等了2个小时", {}},
      {"大概有5个人", {}},
      {"第二季度", {}},
      {"第1名", {}},
  };
  return kRows;
}

TEST_SUITE("Entities") {
  TEST_CASE("the labelled table meets the precision and recall floor") {
    REQUIRE(Table().size() >= 100);
    std::map<std::string, std::array<int, 3>> by_type;  // tp, fp, fn
    int tp = 0, fp = 0, fn = 0;
    for (const auto& row : Table()) {
      NormalisedText n = N().Normalise(row.text);
      std::vector<Entity> got = ExtractEntities(n, row.text);
      std::multiset<std::string> want(row.want.begin(), row.want.end());
      std::multiset<std::string> have;
      for (const auto& e : got) {
        have.insert(e.type + "=" + e.value);
        // Every span points at the original characters the entity was found in.
        CHECK(std::string(row.text).substr(e.span.begin, e.span.end - e.span.begin) == e.text);
      }
      for (const auto& h : have) {
        std::string type = h.substr(0, h.find('='));
        if (want.count(h) && want.count(h) >= have.count(h)) {
          ++tp;
          by_type[type][0]++;
        } else {
          ++fp;
          by_type[type][1]++;
          MESSAGE("false positive " << h << " in " << std::string(row.text));
        }
      }
      for (const auto& w : want) {
        if (!have.count(w)) {
          ++fn;
          by_type[w.substr(0, w.find('='))][2]++;
          MESSAGE("missed " << w << " in " << std::string(row.text));
        }
      }
    }
    for (const auto& [type, c] : by_type) {
      double p = c[0] + c[1] ? 1.0 * c[0] / (c[0] + c[1]) : 1.0;
      double r = c[0] + c[2] ? 1.0 * c[0] / (c[0] + c[2]) : 1.0;
      MESSAGE(type << ": precision " << p << " recall " << r << " (tp " << c[0] << ", fp " << c[1] << ", fn " << c[2] << ")");
    }
    double precision = 1.0 * tp / std::max(1, tp + fp);
    double recall = 1.0 * tp / std::max(1, tp + fn);
    MESSAGE("overall over " << Table().size() << " rows: precision " << precision << " recall " << recall);
    CHECK(precision >= 0.95);
    CHECK(recall >= 0.95);
  }

  TEST_CASE("amounts are normalised to yuan") {
    struct Case {
      const char* number;
      const char* unit;
      double yuan;
    };
    const Case kCases[] = {
        {"3", "万", 30000}, {"三千", "", 3000},  {"两万五", "", 25000}, {"1.5", "k", 1500}, {"十万", "", 100000},
        {"一万二千", "", 12000}, {"三千五", "", 3500}, {"二十", "", 20},  {"1", "w", 10000},  {"一点五", "万", 15000},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.number));
      double v = 0;
      REQUIRE(ParseAmount(c.number, c.unit, &v));
      CHECK(v == doctest::Approx(c.yuan));
    }
    double v = 0;
    CHECK_FALSE(ParseAmount("abc", "", &v));
  }

  TEST_CASE("the Luhn check accepts valid card numbers only") {
    CHECK(LuhnValid("4111111111111111"));
    CHECK(LuhnValid("6222021234567890128"));
    CHECK_FALSE(LuhnValid("4111111111111112"));
    CHECK_FALSE(LuhnValid(""));
    CHECK_FALSE(LuhnValid("41111a1111111111"));
  }
}

}  // namespace
}  // namespace gridrelay::intents
