// Tests for gateway/route: who handles a message (Router) and what gets said (replies).
#include <doctest/doctest.h>

#include "gateway/route/replies.h"
#include "gateway/route/router.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

const Config& Shipped() {
  static const Config config = [] {
    auto c = LoadConfig(SourceConfigDir());
    REQUIRE(c.ok());
    return *c;
  }();
  return config;
}

StoredMessage Msg(const std::string& channel, const std::string& group, const std::string& sender,
                  const std::string& intent, bool urgent = false) {
  StoredMessage m;
  m.id = 7;
  m.message.channel = channel;
  m.message.group_id = group;
  m.message.sender_id = sender;
  m.message.sender_name = "居民";
  m.message.text = "原文内容";
  m.classification.intent = intent;
  m.classification.category = CategoryOf(intent);
  m.classification.urgent = urgent;
  Router router(Shipped());
  m.sender_role = router.SenderRoleOf(m.message);
  return m;
}

}  // namespace

TEST_SUITE("router") {
  TEST_CASE("routes by category and grid, and opens nothing for staff, the bot or none") {
    Router r(Shipped());
    struct Case {
      const char* name;
      StoredMessage msg;
      RouteDecision::Kind kind;
      const char* assignee;
    };
    StoredMessage bot = Msg("demo", "grid-demo-1", "u1", "appeal.noise");
    bot.sender_role = SenderRole::kBot;
    StoredMessage private_msg = Msg("demo", "", "u1", "appeal.noise");
    private_msg.message.chat_type = ChatType::kPrivate;
    const std::vector<Case> cases = {
        {"appeal -> the grid's worker", Msg("demo", "grid-demo-1", "u1", "appeal.facilities"), RouteDecision::Kind::kTicket, "w-wang"},
        {"another grid", Msg("demo", "grid-demo-3", "u1", "appeal.noise"), RouteDecision::Kind::kTicket, "w-zhang"},
        {"legal_aid -> the legal-aid team", Msg("demo", "grid-demo-2", "u1", "legal_aid.labor"), RouteDecision::Kind::kTicket, "legal-aid"},
        {"anti_fraud -> the anti-fraud team", Msg("demo", "grid-demo-4", "u1", "anti_fraud.order_brushing"), RouteDecision::Kind::kTicket, "anti-fraud"},
        {"none opens nothing", Msg("demo", "grid-demo-1", "u1", "none"), RouteDecision::Kind::kNoTicket, ""},
        {"a staff member opens nothing", Msg("demo", "grid-demo-1", "staff-wang", "appeal.noise"), RouteDecision::Kind::kIgnore, ""},
        {"the bot opens nothing", bot, RouteDecision::Kind::kIgnore, ""},
        {"an unmapped group goes to triage", Msg("onebot-demo", "999999", "u1", "appeal.noise"), RouteDecision::Kind::kTriage, ""},
        {"a private message goes to triage", private_msg, RouteDecision::Kind::kTriage, ""},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      RouteDecision d = r.Route(c.msg);
      CHECK(static_cast<int>(d.kind) == static_cast<int>(c.kind));
      CHECK(d.assignee_id == c.assignee);
      CHECK(!d.note.empty());
      if (d.kind == RouteDecision::Kind::kTicket) CHECK(d.notify != nullptr);
    }
  }

  TEST_CASE("staff are recognised per channel") {
    Router r(Shipped());
    InboundMessage m;
    m.channel = "demo";
    m.sender_id = "staff-wang";
    CHECK(r.SenderRoleOf(m) == SenderRole::kStaff);
    m.channel = "onebot-demo";
    CHECK(r.SenderRoleOf(m) == SenderRole::kResident);  // the same id on another channel is someone else
    m.sender_id = "20001";
    CHECK(r.SenderRoleOf(m) == SenderRole::kStaff);
  }
}

TEST_SUITE("replies") {
  TEST_CASE("templates fill known placeholders and keep unknown ones") {
    CHECK(RenderTemplate("工单{ticket}由{assignee}处理{x}", {{"ticket", "#3"}, {"assignee", "王芳"}}) ==
          "工单#3由王芳处理{x}");
    CHECK(RenderTemplate("{", {}) == "{");
    CHECK(RenderTemplate("", {}).empty());
  }

  TEST_CASE("the safety reply names the right emergency number") {
    struct Case {
      const char* intent;
      const char* text;
      const char* number;
    };
    const std::vector<Case> cases = {
        {"anti_fraud.impersonate_authority", "我正在往安全账户转钱", "96110"},
        {"legal_aid.domestic_violence", "他又在打我了", "110"},
        {"appeal.safety_hazard", "楼道着火了", "119"},
        {"appeal.safety_hazard", "闻到很浓的煤气味", "119"},
        {"appeal.other", "有位老人晕倒在小区门口", "120"},
        {"appeal.other", "孩子走丢了，找了一个小时", "110"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      Classification cls;
      cls.intent = c.intent;
      cls.category = CategoryOf(c.intent);
      cls.urgent = true;
      auto text = SafetyReplyText(Shipped().templates, cls, c.text);
      REQUIRE(text.has_value());
      CHECK(text->find(c.number) != std::string::npos);
      cls.urgent = false;
      CHECK(!SafetyReplyText(Shipped().templates, cls, c.text).has_value());
    }
  }

  TEST_CASE("a ticket notifies the assignee with the text and acknowledges the group without it") {
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "appeal.facilities");
    Router r(Shipped());
    RouteDecision d = r.Route(m);
    auto rows = TicketReplies(Shipped(), m, d, 42, ReplyChannels{false});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].message.kind == outbound_kind::kStaffNotify);
    CHECK(rows[0].message.text.find("原文内容") != std::string::npos);
    CHECK(rows[0].message.text.find("#42") != std::string::npos);
    CHECK(rows[0].message.mention_mobiles == std::vector<std::string>{"13800000001"});
    CHECK(rows[1].message.kind == outbound_kind::kGroupAck);
    CHECK(rows[1].message.group_id == "grid-demo-1");
    CHECK(rows[1].message.text.find("#42") != std::string::npos);
    CHECK(rows[1].message.text.find("原文内容") == std::string::npos);
    CHECK(rows[1].priority < rows[0].priority);  // the resident's answer goes first
    CHECK(rows[0].message.idempotency_key != rows[1].message.idempotency_key);
  }

  TEST_CASE("legal aid is acknowledged neutrally, and privately where the platform allows") {
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "legal_aid.domestic_violence", true);
    Router r(Shipped());
    RouteDecision d = r.Route(m);
    auto no_private = TicketReplies(Shipped(), m, d, 5, ReplyChannels{false});
    auto with_private = TicketReplies(Shipped(), m, d, 5, ReplyChannels{true});
    // Urgent: the team, the community's duty officer (c-sun) under its own key, the group.
    REQUIRE(no_private.size() == 3);
    REQUIRE(with_private.size() == 4);
    CHECK(no_private[1].message.kind == outbound_kind::kStaffNotify);
    CHECK(no_private[1].message.user_id == "c-sun");
    CHECK(no_private[1].message.idempotency_key != no_private[0].message.idempotency_key);
    for (const auto& row : with_private) {
      if (row.message.kind == outbound_kind::kStaffNotify) continue;
      CHECK(row.message.text.find("家暴") == std::string::npos);
      CHECK(row.message.text.find("原文内容") == std::string::npos);
      CHECK(row.message.mention_user_ids.empty());  // nobody is pointed at in the group
    }
    CHECK(with_private[3].message.audience == Audience::kUser);
    CHECK(with_private[3].message.user_id == "u1");
  }
}

}  // namespace gridrelay::testing
