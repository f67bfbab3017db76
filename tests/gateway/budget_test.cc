// The per-group reply budget end to end (issue #11): a real gateway on loopback with a real
// SQLite file and a ManualClock, so that windows end when the test says. Residents write in
// grid-a's group g1; the group's replies arrive at the receiver's /group.
#include <doctest/doctest.h>

#include <cctype>

#include "gateway/core/clock.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

constexpr int64_t kStart = 1'800'000'000'000'000;
constexpr int64_t kWindow = int64_t{60} * 1000000;
const char* kFire = "救命！楼下着火了，烟很大，好多人困在楼上";

TestGatewayOptions WithBudget(ManualClock* clock) {
  TestGatewayOptions o;
  o.reply_budget = "reply_budget: {enabled: true, window_seconds: 60}\n";
  o.clock = clock;
  return o;
}

// A distinct appeal for resident i: one ticket each (duplicates are off in these tests).
std::string Appeal(int i) { return std::to_string(i) + "栋楼道灯坏了好几天了，晚上太黑"; }

std::vector<std::string> GroupTexts(TestGateway& t) {
  std::vector<std::string> out;
  for (const auto& j : t.Sent("/group", "")) out.push_back(j.value("text", ""));
  return out;
}

// Whether nothing more reaches the group for a while (the clock standing still).
bool StaysAt(TestGateway& t, size_t count) {
  return !WaitUntil([&] { return t.Sent("/group", "").size() > count; }, std::chrono::milliseconds(400));
}

// Whether a group's reply-budget window is open: here its timer is the only one without a ticket.
bool WindowOpen(TestGateway& t) {
  auto timers = t.gateway().store()->TimersForTicket(0);
  return !timers.ok() || !timers->empty();
}

bool Names(const std::string& text, int64_t ticket) {
  const std::string n = "#" + std::to_string(ticket);
  for (size_t at = text.find(n); at != std::string::npos; at = text.find(n, at + 1)) {
    const size_t end = at + n.size();
    if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) return true;  // not #120 for #12
  }
  return false;
}

}  // namespace

TEST_SUITE("reply budget e2e") {
  TEST_CASE("a burst of 30 messages in one group makes at most the budget's group messages, naming every ticket, "
            "while the fire in the middle of it gets its safety reply at once") {
    ManualClock clock(kStart);
    TestGateway t(WithBudget(&clock));
    std::vector<int64_t> messages;
    int64_t fire_message = 0;
    for (int i = 1; i <= 30; ++i) {
      if (i == 15) {
        fire_message = t.Says("fire", "g1", kFire, "u-fire");
        REQUIRE(fire_message != 0);
      }
      messages.push_back(t.Says("b" + std::to_string(i), "g1", Appeal(i), "u" + std::to_string(i)));
      REQUIRE(messages.back() != 0);
    }
    std::vector<int64_t> tickets;
    for (int64_t m : messages) {
      tickets.push_back(t.TicketOf(m));
      REQUIRE(tickets.back() != 0);
    }
    const int64_t fire_ticket = t.TicketOf(fire_message);
    REQUIRE(fire_ticket != 0);

    // The safety reply and the urgent ticket's acknowledgement go out at once; of the 30
    // acknowledgements, the window's one message at most, until the window ends.
    REQUIRE(t.WaitForSent("/group", "119"));
    REQUIRE(t.WaitForSent("/group", "#" + std::to_string(fire_ticket)));
    REQUIRE(WaitUntil([&] { return t.Sent("/group", "").size() >= 3; }));
    CHECK(StaysAt(t, 3));
    CHECK(t.Sent("/group", "").size() == 3);

    clock.AdvanceMicros(kWindow);  // the window ends: one digest for everything held
    REQUIRE(WaitUntil([&] { return t.Sent("/group", "").size() >= 4; }));
    clock.AdvanceMicros(kWindow);  // a quiet window: it closes without a word
    CHECK(StaysAt(t, 4));

    const std::vector<std::string> texts = GroupTexts(t);
    REQUIRE(texts.size() == 4);  // safety reply, urgent acknowledgement, 2 within the budget
    std::string budgeted;
    int digests = 0;
    for (const std::string& text : texts) {
      if (text.find("119") != std::string::npos || Names(text, fire_ticket)) continue;
      budgeted += text + "\n";
      digests += text.find("条反映，已登记：") != std::string::npos;
      CHECK(text.find("楼道灯") == std::string::npos);  // never a resident's words
    }
    CHECK(digests >= 1);
    for (int64_t ticket : tickets) CHECK_MESSAGE(Names(budgeted, ticket), ("#" + std::to_string(ticket) + " not named"));
    // Every acknowledgement row is accounted for: sent alone, or merged into a digest.
    const nlohmann::json merged = t.Api("/api/v1/outbox?status=merged&limit=100");
    REQUIRE(merged.contains("outbox"));
    CHECK(merged["outbox"].size() >= 28);
    CHECK(t.Api("/api/v1/outbox?status=batched")["outbox"].empty());
  }

  TEST_CASE("a restart in the middle of a digest window loses no acknowledgement and sends none twice") {
    ManualClock clock(kStart);
    TestGateway t(WithBudget(&clock));
    const int64_t first = t.TicketOf(t.Says("r1", "g1", Appeal(1), "u1"));
    REQUIRE(first != 0);
    REQUIRE(t.WaitForSent("/group", "工单#" + std::to_string(first)));  // alone after quiet: at once
    std::vector<int64_t> held;
    for (int i = 2; i <= 5; ++i) {
      held.push_back(t.TicketOf(t.Says("r" + std::to_string(i), "g1", Appeal(i), "u" + std::to_string(i))));
      REQUIRE(held.back() != 0);
    }
    CHECK(StaysAt(t, 1));

    t.Restart();  // mid-window: the held rows and the window's timer are in the store
    CHECK(StaysAt(t, 1));
    clock.AdvanceMicros(kWindow);
    REQUIRE(t.WaitForSent("/group", "收到4条反映"));
    const std::string digest = t.Sent("/group", "收到4条反映")[0].value("text", "");
    for (int64_t ticket : held) CHECK(Names(digest, ticket));
    CHECK_FALSE(Names(digest, first));  // it went out alone

    t.Restart();  // after the digest: nothing is sent again
    clock.AdvanceMicros(kWindow);
    CHECK(StaysAt(t, 2));
    CHECK(t.Sent("/group", "工单#" + std::to_string(first)).size() == 1);
    CHECK(t.Sent("/group", "收到4条反映").size() == 1);
  }

  TEST_CASE("progress notes to one group within a window go out as one message, a quiet group's next one at once") {
    ManualClock clock(kStart);
    TestGateway t(WithBudget(&clock));
    std::vector<int64_t> tickets = {t.TicketOf(t.Says("p1", "g1", Appeal(1), "u1"))};
    REQUIRE(t.WaitForSent("/group", "工单#" + std::to_string(tickets[0])));
    for (int i = 2; i <= 3; ++i) tickets.push_back(t.TicketOf(t.Says("p" + std::to_string(i), "g1", Appeal(i), "u" + std::to_string(i))));
    clock.AdvanceMicros(kWindow);  // the acknowledgements' window ends
    REQUIRE(t.WaitForSent("/group", "收到2条反映"));
    clock.AdvanceMicros(kWindow);  // and the next one, quiet: the window closes
    REQUIRE(WaitUntil([&] { return !WindowOpen(t); }));
    CHECK(t.Sent("/group", "").size() == 2);

    // 接单 on all three: the first note goes out at once, the two after it wait for the window.
    REQUIRE(t.Act(tickets[0], {{"action", "accept"}}).first == 200);
    REQUIRE(WaitUntil([&] { return t.Sent("/group", "").size() == 3; }));
    for (size_t i = 1; i < tickets.size(); ++i) REQUIRE(t.Act(tickets[i], {{"action", "accept"}}).first == 200);
    CHECK(StaysAt(t, 3));
    clock.AdvanceMicros(kWindow);
    REQUIRE(t.WaitForSent("/group", "2条工单有新进展"));
    const std::string notes = t.Sent("/group", "2条工单有新进展")[0].value("text", "");
    CHECK(Names(notes, tickets[1]));
    CHECK(Names(notes, tickets[2]));
    CHECK(notes.find("已由") != std::string::npos);  // the notes themselves, quoted
    const std::vector<std::string> texts = GroupTexts(t);
    REQUIRE(texts.size() == 4);
    CHECK(Names(texts[2], tickets[0]));  // the first, alone
    CHECK(texts[2].find("已由") != std::string::npos);
  }
}

}  // namespace gridrelay::testing
