// TicketStatus names (gateway/core/ticket_status.h): one Name, one Parse, both ways.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "gateway/core/ticket_status.h"

namespace gridrelay {
namespace {

TEST_SUITE("TicketStatus") {
  TEST_CASE("every status has a distinct name that parses back to it") {
    std::set<std::string> names, chinese;
    for (TicketStatus s : kAllTicketStatuses) {
      CAPTURE(Name(s));
      CHECK(ParseTicketStatus(Name(s)) == s);
      CHECK(names.insert(std::string(Name(s))).second);
      CHECK(chinese.insert(std::string(ChineseName(s))).second);
    }
    CHECK(names.size() == 12);
  }

  TEST_CASE("names are the wire names of the issue") {
    CHECK(Name(TicketStatus::kWaitingResident) == "waiting_resident");
    CHECK(Name(TicketStatus::kInProgress) == "in_progress");
    CHECK(ParseTicketStatus("merged") == TicketStatus::kMerged);
    CHECK(Name(TicketStatus::kUnconfirmed) == "unconfirmed");
    CHECK(ChineseName(TicketStatus::kUnconfirmed) == "待确认");
  }

  TEST_CASE("anything else does not parse") {
    for (const char* bad : {"", "Closed", " closed", "closed ", "done", "in-progress"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseTicketStatus(bad).has_value());
    }
  }

  TEST_CASE("closed, rejected and merged are terminal, resolved is not") {
    CHECK(IsTerminal(TicketStatus::kClosed));
    CHECK(IsTerminal(TicketStatus::kRejected));
    CHECK(IsTerminal(TicketStatus::kMerged));
    CHECK_FALSE(IsTerminal(TicketStatus::kResolved));
    CHECK_FALSE(IsTerminal(TicketStatus::kNew));
    CHECK_FALSE(IsTerminal(TicketStatus::kUnconfirmed));
  }
}

}  // namespace
}  // namespace gridrelay
