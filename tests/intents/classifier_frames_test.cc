// Issue #10 on the shipped config: speech-act frames (positive and negative cases per frame),
// the urgent detector per class, the decision and `warn`. The lines here are written for
// these tests; none is copied from the intent files' examples or from the held-out set.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

struct Row {
  const char* text;
  const char* category;  // expected category
};

void CheckCategories(const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    Classification c = ShippedEngine().ClassifyWith(r.text, nullptr);  // rules alone
    CHECK_MESSAGE(c.category == r.category, (std::string(r.text) + " -> " + c.intent + " (want " + r.category + ")"));
  }
}

TEST_SUITE("Frames") {
  TEST_CASE("appeal frame: a request to officials or a complaint, whatever the object") {
    CheckCategories({
        {"恳请交通部门在菜市场门口增设一个公交站点，老人走得太远了", "appeal"},
        {"希望街道尽快研究处理图书馆改建后没有无障碍通道的问题", "appeal"},
        {"致居委会：我们楼的信报箱全部锈蚀无法使用，请协调更换", "appeal"},
        {"游泳馆的年卡费用今年上调了一倍，也没有公示依据", "appeal"},
        {"孩子的入学材料交上去四个多月了一直没有回复，打电话也没人接", "appeal"},
        {"新开的洗车店污水直接排到人行道上，影响大家通行", "appeal"},
    });
  }
  TEST_CASE("appeal frame negatives: thanks, questions, publicity") {
    CheckCategories({
        {"感谢街道领导上周来看望我们楼的孤寡老人", "none"},
        {"社区什么时候发放今年的防暑降温用品", "none"},
        {"【通知】社区定于周五举办消防知识讲座，欢迎居民参加", "none"},
    });
  }
  TEST_CASE("legal frame: rights, liability and what the law allows") {
    CheckCategories({
        {"快递员把包裹放在门口被人拿走了，快递公司要不要承担责任吗", "legal_aid"},
        {"物业在电梯里装了人脸识别强制录入，这种做法违不违法", "legal_aid"},
        {"邻居家的空调外机正对我家卧室窗户，我能不能起诉要求移走", "legal_aid"},
        {"我有没有权利拒绝公司安排的无薪休假", "legal_aid"},
    });
  }
  TEST_CASE("legal frame negatives: legal words in a complaint, a thank-you, publicity") {
    CheckCategories({
        {"请求街道依法查处占用消防通道的商户，维护居民的合法权益", "appeal"},
        {"谢谢法律援助站的志愿者，问题已经解决了", "none"},
    });
  }
  TEST_CASE("scam-script frame: money, goods, codes or a screen for an unverifiable identity") {
    CheckCategories({
        {"小赵，我是你们张局，晚上有个饭局，你先帮我订两箱好酒垫付一下，明天报销", "anti_fraud"},
        {"宝贝我是大姑，换新微信了，帮我充两张话费卡把卡号和密码发我", "anti_fraud"},
        {"这里是供电所，你家电表要换新的，工本费三百转到我私人支付宝", "anti_fraud"},
        {"我们是银行风控中心，请开启屏幕共享配合我们检查你的账户", "anti_fraud"},
        {"你女儿现在在我这里，想要她平安就别报警，准备好二十万", "anti_fraud"},
    });
  }
  TEST_CASE("scam-script frame negatives: money between neighbours, publicity") {
    CheckCategories({
        {"团购的菜钱我转到群主个人微信了，大家记得看一下", "none"},
        {"凡是自称领导让你垫付资金的，都是诈骗，请勿转账", "none"},
    });
  }
  TEST_CASE("impersonation frame: any claimed role asking for money, cards or codes (model round)") {
    CheckCategories({
        {"老周，我是集团的钱副总，项目款今天必须付，你先转八万到我助理发的账户，周一走报销", "anti_fraud"},
        {"是我，你三舅，新号码。我在县医院陪你舅妈，先借我六千，过两天还", "anti_fraud"},
        {"我是你们年级的教务员，课本费要重新收，直接转给我，每人四百五", "anti_fraud"},
        {"这是我新的微信，我是你嫂子，帮我买五张京东卡，卡密截图给我", "anti_fraud"},
        {"我是村会计，低保金发放前要核对，你把手机收到的验证码报给我", "anti_fraud"},
    });
  }
  TEST_CASE("impersonation frame negatives: a real boss or relative asking for something harmless") {
    CheckCategories({
        {"我是五楼的老郑，你家快递放我这了，下班来拿", "none"},
        {"小孙，我是人事部的刘姐，明天记得把体检报告交给我", "none"},
        {"妈，是我，今天加班，晚上回去再给你打电话", "none"},
        {"我是新来的保洁阿姨，以后三楼到六楼的楼道归我打扫", "none"},
    });
  }
  TEST_CASE("upfront-fee frame: a fee that unlocks a benefit, whatever legal words it uses") {
    CheckCategories({
        {"您的维权申请已受理，只需先缴纳五百元服务费即可立案追回全部损失", "anti_fraud"},
        {"补贴领取前需要先交一笔工本费，交完马上发放到卡", "anti_fraud"},
    });
    CheckCategories({
        {"报名驾校先交了两千定金，现在不想学了，驾校不退，我能要回来吗", "legal_aid"},
        {"办居住证要先交照片费吗，还是免费的", "none"},
    });
  }
  TEST_CASE("legal words do not decide: letters, titles and repair requests are appeals") {
    CheckCategories({
        {"关于老年大学报名名额不足的反映：今年报名当天名额就满了，很多老人排了一夜的队", "appeal"},
        {"小区喷泉的水泵漏电好几天了，谁负责修一下，孩子天天在边上玩", "appeal"},
        {"我们几十户居民希望区水务局介入，督促供水公司退还多收的二次加压费", "appeal"},
    });
    CheckCategories({
        {"公司拖欠的加班费我能不能要求赔偿，需要走仲裁吗", "legal_aid"},
        {"被宠物店的狗咬了，店主说赔偿不了，这种情况法律上谁负责", "legal_aid"},
    });
  }
  TEST_CASE("a question about the law is legal_aid, not a scam report, unless it names a scam") {
    CheckCategories({
        {"快递把我寄的手机弄丢了，快递公司只赔五百，我能不能要求按实际价值赔偿？", "legal_aid"},
        {"高铁晚点三个小时，车站不给退票费，这样收取是否合理？", "legal_aid"},
    });
    CheckCategories({
        {"我在网上刷单被骗了八千，可以起诉那个平台吗？", "anti_fraud"},
        {"冒充客服让我开了屏幕共享转走了五千，银行要不要承担责任？", "anti_fraud"},
    });
  }
  TEST_CASE("publicity by what it does: generic advice to verify never reads as a report") {
    CheckCategories({
        {"【转给家里的老人看看】接到孙子借钱的电话，先挂了再打原来的号码问问", "none"},
        {"各位家长：有人冒充辅导员收取住宿费，请大家务必和辅导员本人电话核实", "none"},
        {"千万不要把银行卡密码告诉任何人，银行工作人员也不会问你要", "none"},
    });
    CheckCategories({
        {"有人冒充物业在群里收车位费，我邻居已经转了一千二，怎么追回", "anti_fraud"},
        {"刚才有个自称我表哥的人让我转钱，还叫我不要告诉别人，是不是骗子", "anti_fraud"},
    });
  }
  TEST_CASE("commercial SMS frame: points, coupons and 红包 with nowhere to click are adverts") {
    CheckCategories({
        {"【某某烘焙】您的积分下月清零，点击小程序即可兑换蛋糕券", "none"},
        {"【某某便利店】恭喜获得5元红包，点击领取，下单自动抵扣", "none"},
        {"【某某健身房】年卡会员即将到期，续卡享七五折，详情请到前台咨询", "none"},
    });
    CheckCategories({
        {"【某某银行】您的积分即将清零，请回复银行卡号和密码办理兑换", "anti_fraud"},
        {"【医保中心】您的医保卡已冻结，请下载会议软件开启屏幕共享进行解冻", "anti_fraud"},
        {"【积分兑换】您的积分可兑换现金，点击 jf-duihuan.top 立即领取", "anti_fraud"},
    });
  }
  TEST_CASE("negative frames: event notices and commercial SMS") {
    CheckCategories({
        {"本周六社区组织义务理发，欢迎行动不便的老人报名", "none"},
        {"【某某药房】会员日全场八折，积分可兑换鸡蛋，退订回T", "none"},
    });
  }
}

TEST_SUITE("UrgentDetector") {
  TEST_CASE("fires on every urgent class, whatever the category") {
    struct U {
      const char* text;
      const char* cls;
    };
    std::vector<U> rows = {
        {"有人打电话说我老公被他们绑了，要我马上拿十万赎人", "kidnap_ransom"},
        {"楼下邻居拿着斧头在砸我家防盗门，说要弄死我", "violence_threat"},
        {"我朋友刚发朋友圈说活不下去了，现在电话打不通", "self_harm"},
        {"三岁的孙子在超市门口走丢了，穿黄色外套，大家帮忙留意", "trapped_missing"},
        {"我爸正准备去银行给那个客服转钱，怎么劝都不听", "money_now"},
        {"五楼厨房冒黑烟了，好像着火了", "fire_gas_flood_electric"},
        {"车库里的充电桩在冒火花，电线都烧黑了", "fire_gas_flood_electric"},
        {"下水道倒灌了，一楼水已经淹到膝盖了", "fire_gas_flood_electric"},
        {"楼下小卖部老板突然倒在地上抽搐，快打120", "medical_collapse"},
        {"地下车库的电梯卡在负一楼和负二楼之间了，里面有人在拍门", "trapped_missing"},
    };
    for (const auto& r : rows) {
      CompiledEngine::Explanation ex = ShippedEngine().Explain(r.text, nullptr);
      CHECK_MESSAGE(ex.result.urgent, std::string(r.text));
      CHECK_MESSAGE(ex.result.category != "none", std::string(r.text));
      bool has = false;
      for (const auto& c : ex.urgent_classes) has |= c == r.cls;
      CHECK_MESSAGE(has, (std::string(r.text) + ": class " + r.cls + " did not fire"));
      CHECK(ex.decision.decision == "act");
    }
  }
  TEST_CASE("stays off for drills, publicity, past incidents and what-ifs") {
    for (const char* t : {"下周二上午小区开展燃气泄漏应急演练，请勿惊慌", "警方提示：接到自称绑架你家人的电话先核实，不要慌张转账",
                           "前年我家也着过一次火，后来装了烟感", "要是电梯困人了应该打哪个电话",
                           "累死了，今天加班到十点", "去年被骗的那三万块钱现在还能追回来吗",
                           "提醒大家：不要把验证码告诉任何人，自称客服的也不行"}) {
      Classification c = ShippedEngine().ClassifyWith(t, nullptr);
      CHECK_MESSAGE(!c.urgent, t);
    }
  }
}

TEST_SUITE("Decision") {
  TEST_CASE("warn only for an anti_fraud act that is not publicity") {
    auto scam = ShippedEngine().JudgeWith("我是你们公司刘总，你先给这个账户转五万，客户等着，回头补手续", nullptr);
    CHECK(scam.classification.category == "anti_fraud");
    CHECK(scam.decision.decision == "act");
    CHECK(scam.decision.warn);
    for (const char* t : {"【防骗提醒】冒充领导要求转账的都是诈骗，务必电话核实", "警惕！有人冒充快递客服理赔，切勿开启屏幕共享",
                          "社区民警提醒：刷单返利都是骗局"}) {
      auto j = ShippedEngine().JudgeWith(t, nullptr);
      CHECK_MESSAGE(!j.decision.warn, t);
    }
    for (const char* t : {"【转给家里的老人看看】接到孙子借钱的电话，先挂了再打原来的号码问问",
                          "各位家长：有人冒充辅导员收取住宿费，请大家务必和辅导员本人电话核实",
                          "游戏装备交易一定要走官方平台交易，私下转账被骗了很难追回"}) {
      auto j = ShippedEngine().Judge(t);  // with the model
      CHECK_MESSAGE(!j.decision.warn, t);
    }
    auto appeal = ShippedEngine().JudgeWith("楼道灯坏了一个月了，希望物业尽快修一下", nullptr);
    CHECK(!appeal.decision.warn);
  }
  TEST_CASE("act, confirm and ignore follow the configured thresholds") {
    const DecisionThresholds& t = ShippedEngine().thresholds();
    CHECK(t.set);
    CHECK(t.confirm <= t.act);
    auto chat = ShippedEngine().JudgeWith("明天几点去公园", nullptr);
    CHECK(chat.decision.decision == "ignore");
    auto sure = ShippedEngine().JudgeWith("楼上天天半夜装修电钻响，吵得根本睡不着，物业也不管", nullptr);
    CHECK(sure.classification.category == "appeal");
    CHECK((sure.classification.confidence >= t.act) == (sure.decision.decision == "act"));
  }
}

}  // namespace
}  // namespace gridrelay::intents
