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

TEST_SUITE("warnings") {
  TEST_CASE("a warn message gets its intent's warning in the group, @-mentioning her, without her words") {
    const Config& c = Shipped();
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "anti_fraud.impersonate_authority");
    m.classification.warn = true;
    m.classification.matches.push_back({"anti_fraud.impersonate_authority", "anti_fraud.yaml:80", {0, 3}, "原文"});
    auto w = PlanWarning(c, m, *c.FindGrid("grid-hexie-1"), 42);
    REQUIRE(w);
    CHECK(w->row.message.kind == outbound_kind::kWarning);
    CHECK(w->row.priority == priority::kUrgent);
    CHECK(w->row.message.audience == Audience::kGroup);
    CHECK(w->row.message.group_id == "grid-demo-1");
    CHECK(w->row.message.mention_user_ids == std::vector<std::string>{"u1"});
    CHECK(w->row.message.idempotency_key == "m7:warning");
    CHECK(w->row.message.text == c.templates.warnings.at("anti_fraud.impersonate_authority"));
    CHECK(w->row.message.text.find("原文") == std::string::npos);
    CHECK(w->record.template_key == "anti_fraud.impersonate_authority");
    CHECK(w->record.mode == "group");
    CHECK(w->record.ticket_id == 42);
    CHECK(w->record.rules == nlohmann::json::array(
                                 {{{"intent", "anti_fraud.impersonate_authority"}, {"pattern_id", "anti_fraud.yaml:80"}}}));
  }

  TEST_CASE("no warn, a private chat, an off group or no template: no warning; the fallback names the scheme") {
    Config c = Shipped();
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "anti_fraud.romance");
    const Grid& grid = *c.FindGrid("grid-hexie-1");
    CHECK(!PlanWarning(c, m, grid, 1));  // warn not set
    m.classification.warn = true;
    m.message.chat_type = ChatType::kPrivate;
    CHECK(!PlanWarning(c, m, grid, 1));
    m.message.chat_type = ChatType::kGroup;
    c.templates.warnings.erase("anti_fraud.romance");
    auto fallback = PlanWarning(c, m, grid, 1);
    REQUIRE(fallback);
    CHECK(fallback->record.template_key == "fallback");
    CHECK(fallback->row.message.text.find("网恋交友诈骗") != std::string::npos);  // {intent_label}
    c.templates.warning_fallback.clear();
    CHECK(!PlanWarning(c, m, grid, 1));
    Grid off = grid;
    for (GroupRef& g : off.groups) g.warnings = WarningMode::kOff;
    CHECK(!PlanWarning(Shipped(), m, off, 1));
  }

  TEST_CASE("a quiet group's warning goes to its grid worker, privately") {
    const Config& c = Shipped();
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "anti_fraud.order_brushing");
    m.classification.warn = true;
    Grid quiet = *c.FindGrid("grid-hexie-1");
    for (GroupRef& g : quiet.groups) g.warnings = WarningMode::kQuiet;
    CHECK(WarningModeOf(quiet, "demo", "grid-demo-1") == WarningMode::kQuiet);
    CHECK(WarningModeOf(quiet, "demo", "elsewhere") == WarningMode::kGroup);
    auto w = PlanWarning(c, m, quiet, 1);
    REQUIRE(w);
    CHECK(w->record.mode == "quiet");
    CHECK(w->row.message.audience == Audience::kUser);
    CHECK(w->row.message.user_id == c.FindStaff("w-wang")->notify.to);
    CHECK(w->row.message.mention_user_ids.empty());
    CHECK(w->row.message.text.find(c.templates.warnings.at("anti_fraud.order_brushing")) != std::string::npos);
  }

  TEST_CASE("check-config: the shipped templates cover every anti_fraud intent; a gap is a warning with a fallback, an error without") {
    const std::string_view intents[] = {"appeal.noise", "anti_fraud.romance", "anti_fraud.fake_loan"};
    Templates t = Shipped().templates;
    std::vector<std::string> warnings;
    CHECK(CheckWarningTemplates(t, intents, &warnings).ok());
    CHECK(warnings.empty());
    t.warnings.erase("anti_fraud.romance");
    CHECK(CheckWarningTemplates(t, intents, &warnings).ok());
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("templates.yaml:") != std::string::npos);
    CHECK(warnings[0].find("anti_fraud.romance") != std::string::npos);
    t.warning_fallback.clear();
    Status s = CheckWarningTemplates(t, intents, &warnings);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("templates.yaml:") != std::string::npos);
  }
}

TEST_SUITE("visits") {
  TEST_CASE("the grid worker's visit task names the address the message gives, and says how to report back") {
    const Config& c = Shipped();
    StoredMessage m = Msg("demo", "grid-demo-1", "u1", "anti_fraud.impersonate_authority", true);
    m.classification.entities.push_back({"address", "3栋302", {0, 9}, "3栋302"});
    auto v = VisitTask(c, m, *c.FindGrid("grid-hexie-1"), 42);
    REQUIRE(v);
    CHECK(v->message.kind == outbound_kind::kVisit);
    CHECK(v->priority == priority::kUrgent);
    CHECK(v->message.user_id == c.FindStaff("w-wang")->notify.to);
    CHECK(v->message.text.find("立即电话或上门: 3栋302") != std::string::npos);
    CHECK(v->message.text.find("已劝阻 42") != std::string::npos);
    CHECK(v->message.mention_mobiles == std::vector<std::string>{"13800000001"});
    m.classification.entities.clear();
    v = VisitTask(c, m, *c.FindGrid("grid-hexie-1"), 42);
    REQUIRE(v);
    CHECK(v->message.text.find("消息未写地址") != std::string::npos);
    CHECK(NeedsVisit("anti_fraud", true));
    CHECK(!NeedsVisit("anti_fraud", false));
    CHECK(!NeedsVisit("appeal", true));
  }
}

}  // namespace gridrelay::testing
