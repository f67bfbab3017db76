// Tests for gateway/route: who handles a message (Router), what gets said (replies) and how often
// a group hears it (the reply budget: which rows it holds and what a window's end makes of them;
// the store and the timers are tested end to end in budget_test.cc).
#include <doctest/doctest.h>

#include "gateway/route/replies.h"
#include "gateway/route/reply_budget.h"
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

constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr int64_t kSecond = 1000000;

OutboxEntry Row(int64_t id, const char* kind, int64_t ticket, const std::string& group = "g1",
                int priority = priority::kResident) {
  OutboxEntry e;
  e.message.id = id;
  e.message.channel = "demo";
  e.message.kind = kind;
  e.message.audience = Audience::kGroup;
  e.message.group_id = group;
  e.message.text = std::string(kind) + " of #" + std::to_string(ticket);
  e.message.idempotency_key = "m" + std::to_string(id) + ":" + kind;
  e.message.mention_user_ids = {"u" + std::to_string(id % 2)};
  e.message.reply_context = {{"row", id}};
  e.priority = priority;
  e.ticket_id = ticket;
  e.rate_key = "demo|g1";
  return e;
}

// A change set opening ticket `id` of `category` with its group acknowledgement.
ChangeSet Opening(int64_t id, const std::string& category) {
  ChangeSet c;
  Ticket t;
  t.id = id;
  t.category = category;
  c.new_tickets.push_back(t);
  c.outbox.push_back(Row(id, outbound_kind::kGroupAck, id));
  return c;
}

Timer Window() {
  Timer t;
  t.id = 3;
  t.key = BudgetTimerKey("demo", "g1");
  t.kind = kReplyBudgetTimer;
  t.due_at = kNow;
  t.payload = {{"channel", "demo"}, {"group", "g1"}};
  return t;
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

  TEST_CASE("no warn, a private chat, an off group or no template: no warning, the fallback names the scheme") {
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

  TEST_CASE("check-config: the shipped templates cover every anti_fraud intent, a gap is a warning with a fallback, an error without") {
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

TEST_SUITE("reply budget") {
  TEST_CASE("acknowledgements and progress notes in a group are held, urgent, private, staff and warning rows never") {
    ChangeSet c = Opening(12, "appeal");
    CHECK(HoldsForBudget(c, c.outbox[0]));
    CHECK(HoldsForBudget(c, Row(2, outbound_kind::kProgress, 99)));  // a note about any ticket
    // Never held: what protects people, what staff need, and what is not said in a group.
    CHECK_FALSE(HoldsForBudget(c, Row(3, outbound_kind::kGroupAck, 12, "g1", priority::kUrgent)));
    CHECK_FALSE(HoldsForBudget(c, Row(4, outbound_kind::kProgress, 12, "g1", priority::kUrgent)));
    CHECK_FALSE(HoldsForBudget(c, Row(5, outbound_kind::kSafetyReply, 12, "g1", priority::kUrgent)));
    CHECK_FALSE(HoldsForBudget(c, Row(6, outbound_kind::kWarning, 12, "g1", priority::kUrgent)));
    CHECK_FALSE(HoldsForBudget(c, Row(7, outbound_kind::kStaffNotify, 12, "g1", priority::kStaff)));
    CHECK_FALSE(HoldsForBudget(c, Row(8, outbound_kind::kCommandAnswer, 12)));
    OutboxEntry private_ack = Row(9, outbound_kind::kGroupAck, 12);
    private_ack.message.audience = Audience::kUser;
    private_ack.message.user_id = "u1";
    CHECK_FALSE(HoldsForBudget(c, private_ack));
    // The acknowledgement of a fraud or legal matter is itself a warning or privacy advice.
    for (const char* category : {"anti_fraud", "legal_aid"}) {
      CAPTURE(category);
      ChangeSet sensitive = Opening(13, category);
      CHECK_FALSE(HoldsForBudget(sensitive, sensitive.outbox[0]));
    }
  }

  TEST_CASE("holding marks the rows batched and ensures one window per group, due at once") {
    ReplyBudgetOptions on;
    ChangeSet c = Opening(12, "appeal");
    c.outbox.push_back(Row(2, outbound_kind::kProgress, 12));
    c.outbox.push_back(Row(3, outbound_kind::kProgress, 12, "g3"));
    c.outbox.push_back(Row(4, outbound_kind::kSafetyReply, 12, "g1", priority::kUrgent));
    HoldForBudget(on, kNow, &c);
    CHECK(c.outbox[0].status == OutboxStatus::kBatched);
    CHECK(c.outbox[1].status == OutboxStatus::kBatched);
    CHECK(c.outbox[2].status == OutboxStatus::kBatched);
    CHECK(c.outbox[3].status == OutboxStatus::kPending);
    REQUIRE(c.ensure_timers.size() == 2);  // g1 once, g3 once
    CHECK(c.ensure_timers[0].key == "budget:demo/g1");
    CHECK(c.ensure_timers[0].kind == std::string(kReplyBudgetTimer));
    CHECK(c.ensure_timers[0].due_at == kNow);  // no window open: the first goes out at once
    CHECK(c.ensure_timers[0].payload == nlohmann::json{{"channel", "demo"}, {"group", "g1"}});
    CHECK(c.ensure_timers[1].key == "budget:demo/g3");
    CHECK(c.schedule_timers.empty());  // an open window is never moved

    ReplyBudgetOptions off;
    off.enabled = false;
    ChangeSet untouched = Opening(12, "appeal");
    HoldForBudget(off, kNow, &untouched);
    CHECK(untouched.outbox[0].status == OutboxStatus::kPending);
    CHECK(untouched.ensure_timers.empty());
  }

  TEST_CASE("a window with one row held lets it go as it is, and opens the next window") {
    const std::vector<OutboxEntry> held = {Row(5, outbound_kind::kGroupAck, 12)};
    ChangeSet c = FlushBudgetWindow(Shipped(), Window(), held, kNow);
    CHECK(c.outbox.empty());  // no digest: its own text and key
    REQUIRE(c.budget_flushes.size() == 1);
    CHECK(c.budget_flushes[0].release);
    CHECK(c.budget_flushes[0].rows == std::vector<int64_t>{5});
    CHECK(c.budget_flushes[0].channel == "demo");
    CHECK(c.budget_flushes[0].group_id == "g1");
    REQUIRE(c.schedule_timers.size() == 1);
    CHECK(c.schedule_timers[0].key == "budget:demo/g1");
    CHECK(c.schedule_timers[0].due_at == kNow + Shipped().reply_budget.window_seconds * kSecond);
  }

  TEST_CASE("a window with nothing held closes, on the condition that nothing was held meanwhile") {
    ChangeSet c = FlushBudgetWindow(Shipped(), Window(), {}, kNow);
    CHECK(c.outbox.empty());
    CHECK(c.schedule_timers.empty());  // the next row goes out at once
    REQUIRE(c.budget_flushes.size() == 1);
    CHECK(c.budget_flushes[0].rows.empty());  // the store checks none is held
    CHECK_FALSE(c.budget_flushes[0].release);
  }

  TEST_CASE("several rows become one digest naming every ticket once, with a key of its oldest row") {
    std::vector<OutboxEntry> held;
    for (int64_t i = 0; i < 29; ++i) held.push_back(Row(40 + i, outbound_kind::kGroupAck, 12 + i));
    held.push_back(Row(69, outbound_kind::kGroupAck, 12));  // a report that joined #12
    ChangeSet c = FlushBudgetWindow(Shipped(), Window(), held, kNow);
    REQUIRE(c.outbox.size() == 1);
    const OutboxEntry& d = c.outbox[0];
    CHECK(d.message.kind == std::string(outbound_kind::kGroupAck));
    CHECK(d.message.audience == Audience::kGroup);
    CHECK(d.message.group_id == "g1");
    CHECK(d.message.channel == "demo");
    CHECK(d.message.idempotency_key == "budget:r40:digest");
    CHECK(d.status == OutboxStatus::kPending);
    CHECK(d.priority == priority::kResident);
    CHECK(d.rate_key == "demo|g1");
    CHECK(d.message.reply_context == nlohmann::json{{"row", 69}});  // the newest: it lives longest
    CHECK(d.message.mention_user_ids == std::vector<std::string>{"u0", "u1"});
    const std::string& text = d.message.text;
    CHECK(text.rfind("收到30条反映，已登记：#12 #13 ", 0) == 0);
    for (int64_t t = 12; t <= 40; ++t) CHECK_MESSAGE(text.find("#" + std::to_string(t)) != std::string::npos, t);
    CHECK(text.find("#12 #13") != std::string::npos);
    CHECK(text.find("#40 #12") == std::string::npos);  // each ticket once
    REQUIRE(c.budget_flushes.size() == 1);
    CHECK_FALSE(c.budget_flushes[0].release);
    CHECK(c.budget_flushes[0].rows.size() == 30);
    CHECK(c.schedule_timers.size() == 1);
  }

  TEST_CASE("progress notes are quoted in the digest after the acknowledgements, the first ten in full") {
    std::vector<OutboxEntry> held = {Row(1, outbound_kind::kGroupAck, 5)};
    for (int64_t i = 0; i < 12; ++i) held.push_back(Row(2 + i, outbound_kind::kProgress, 20 + i));
    ChangeSet c = FlushBudgetWindow(Shipped(), Window(), held, kNow);
    REQUIRE(c.outbox.size() == 1);
    const std::string& text = c.outbox[0].message.text;
    CHECK(c.outbox[0].message.kind == std::string(outbound_kind::kProgress));
    CHECK(text.rfind("收到1条反映，已登记：#5\n12条工单有新进展：\nprogress of #20\n", 0) == 0);
    CHECK(text.find("progress of #29") != std::string::npos);
    CHECK(text.find("progress of #30") == std::string::npos);  // past ten: named only
    CHECK(text.find("…#30 #31") != std::string::npos);
  }
}

}  // namespace gridrelay::testing
