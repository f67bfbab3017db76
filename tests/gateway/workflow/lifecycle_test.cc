// The ticket state machine (gateway/workflow/lifecycle.h): the table, its refusals, and the
// README's copy of it.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "gateway/workflow/lifecycle.h"

namespace gridrelay::workflow {
namespace {

using S = TicketStatus;
using A = Action;

TEST_SUITE("Lifecycle") {
  TEST_CASE("every action has a distinct name that parses back to it") {
    std::set<std::string_view> names;
    for (Action a : kAllActions) {
      CAPTURE(Name(a));
      CHECK(ParseAction(Name(a)) == a);
      CHECK(names.insert(Name(a)).second);
    }
    CHECK_FALSE(ParseAction("Accept").has_value());
    CHECK_FALSE(ParseAction("").has_value());
    CHECK(Name(A::kWaitResident) == "wait_resident");
    CHECK(Name(A::kNoAnswer) == "no_answer");
  }

  TEST_CASE("the happy path of issue 8 runs new to closed") {
    const std::pair<A, S> steps[] = {{A::kDispatch, S::kDispatched}, {A::kAccept, S::kAccepted},
                                     {A::kStart, S::kInProgress},    {A::kResolve, S::kResolved},
                                     {A::kSatisfied, S::kClosed}};
    S at = S::kNew;
    for (auto [action, to] : steps) {
      CAPTURE(Name(action));
      auto t = CheckTransition(at, action);
      REQUIRE(t.ok());
      CHECK(t->to == to);
      at = t->to;
    }
    auto closed = CheckTransition(S::kResolved, A::kSatisfied);
    REQUIRE(closed.ok());
    CHECK(closed->outcome == Outcome::kSatisfied);
  }

  struct Case {
    S from;
    A action;
    std::optional<S> to;  // nullopt: refused
  };
  // clang-format off
  const Case kCases[] = {
    {S::kNew,             A::kDispatch,     S::kDispatched},
    {S::kDispatched,      A::kDispatch,     std::nullopt},
    {S::kDispatched,      A::kAccept,       S::kAccepted},
    {S::kTransferred,     A::kAccept,       S::kAccepted},
    {S::kReopened,        A::kAccept,       S::kAccepted},
    {S::kAccepted,        A::kAccept,       std::nullopt},
    {S::kClosed,          A::kAccept,       std::nullopt},
    {S::kDispatched,      A::kStart,        std::nullopt},
    {S::kWaitingResident, A::kStart,        S::kInProgress},
    {S::kInProgress,      A::kWaitResident, S::kWaitingResident},
    {S::kDispatched,      A::kWaitResident, std::nullopt},
    {S::kInProgress,      A::kTransfer,     S::kTransferred},
    {S::kNew,             A::kTransfer,     S::kTransferred},
    {S::kResolved,        A::kTransfer,     std::nullopt},
    {S::kTransferred,     A::kReturn,       S::kDispatched},
    {S::kInProgress,      A::kReturn,       std::nullopt},
    {S::kDispatched,      A::kResolve,      std::nullopt},
    {S::kTransferred,     A::kResolve,      std::nullopt},
    {S::kNew,             A::kResolve,      std::nullopt},
    {S::kReopened,        A::kResolve,      std::nullopt},
    {S::kAccepted,        A::kResolve,      S::kResolved},
    {S::kWaitingResident, A::kResolve,      S::kResolved},
    {S::kResolved,        A::kResolve,      std::nullopt},
    {S::kDispatched,      A::kReject,       S::kRejected},
    {S::kResolved,        A::kReject,       std::nullopt},
    {S::kResolved,        A::kReopen,       S::kReopened},
    {S::kClosed,          A::kReopen,       S::kReopened},
    {S::kRejected,        A::kReopen,       S::kReopened},
    {S::kMerged,          A::kReopen,       std::nullopt},
    {S::kInProgress,      A::kReopen,       std::nullopt},
    {S::kDispatched,      A::kSupervise,    S::kDispatched},
    {S::kResolved,        A::kSupervise,    S::kResolved},
    {S::kClosed,          A::kSupervise,    std::nullopt},
    {S::kMerged,          A::kNote,         S::kMerged},
    {S::kClosed,          A::kNote,         S::kClosed},
    {S::kResolved,        A::kSatisfied,    S::kClosed},
    {S::kInProgress,      A::kSatisfied,    std::nullopt},
    {S::kResolved,        A::kUnsatisfied,  S::kReopened},
    {S::kClosed,          A::kUnsatisfied,  std::nullopt},
    {S::kResolved,        A::kNoAnswer,     S::kClosed},
    {S::kAccepted,        A::kEscalate,     S::kAccepted},
    {S::kResolved,        A::kEscalate,     std::nullopt},
    {S::kInProgress,      A::kMerge,        S::kMerged},
    {S::kClosed,          A::kMerge,        std::nullopt},
    {S::kAccepted,        A::kAttach,       S::kAccepted},   // a duplicate joins an open ticket
    {S::kResolved,        A::kAttach,       std::nullopt},   // a report after 办结 is a new problem
    {S::kMerged,          A::kAttach,       std::nullopt},
    {S::kInProgress,      A::kSplit,        S::kInProgress},
    {S::kClosed,          A::kSplit,        std::nullopt},
    {S::kUnconfirmed,     A::kConfirm,      S::kDispatched}, // a 待确认 item becomes a ticket
    {S::kDispatched,      A::kConfirm,      std::nullopt},
    {S::kUnconfirmed,     A::kReclassify,   S::kDispatched},
    {S::kAccepted,        A::kReclassify,   S::kAccepted},   // 改类 on a ticket keeps its status
    {S::kUnconfirmed,     A::kDismiss,      S::kRejected},
    {S::kDispatched,      A::kDismiss,      std::nullopt},
    {S::kUnconfirmed,     A::kAccept,       std::nullopt},   // no work before it is confirmed
    {S::kUnconfirmed,     A::kAttach,       std::nullopt},
    {S::kUnconfirmed,     A::kNote,         S::kUnconfirmed},
  };
  // clang-format on

  TEST_CASE("a table of transitions, legal and refused") {
    for (const Case& c : kCases) {
      CAPTURE(Name(c.from));
      CAPTURE(Name(c.action));
      auto t = CheckTransition(c.from, c.action);
      if (c.to) {
        REQUIRE(t.ok());
        CHECK(t->to == *c.to);
        CHECK(t->from == c.from);
      } else {
        REQUIRE_FALSE(t.ok());
        CHECK(t.status().code() == StatusCode::kFailedPrecondition);
      }
    }
  }

  TEST_CASE("resolving a ticket that was never accepted says so, in Chinese and English") {
    auto t = CheckTransition(S::kDispatched, A::kResolve);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message().find("尚未受理") != std::string::npos);
    CHECK(t.status().message().find("never accepted") != std::string::npos);
  }

  TEST_CASE("every refusal names the action, the status and where the action is allowed") {
    int refused = 0;
    for (S s : kAllTicketStatuses)
      for (A a : kAllActions) {
        auto t = CheckTransition(s, a);
        if (t.ok()) continue;
        ++refused;
        CAPTURE(t.status().message());
        CHECK(t.status().code() == StatusCode::kFailedPrecondition);
        if (a == A::kResolve && (s == S::kDispatched || s == S::kNew || s == S::kTransferred || s == S::kReopened))
          continue;  // the special messages above
        CHECK(t.status().message().find(std::string(Name(a))) != std::string::npos);
        CHECK(t.status().message().find(std::string(Name(s))) != std::string::npos);
        CHECK(t.status().message().find(std::string(ChineseName(a))) != std::string::npos);
      }
    CHECK(refused > 100);  // the table is a whitelist, not "anything goes"
  }

  TEST_CASE("terminal statuses take only a note, or a reopen from closed and rejected") {
    for (S s : {S::kClosed, S::kRejected, S::kMerged})
      for (A a : kAllActions) {
        CAPTURE(Name(s));
        CAPTURE(Name(a));
        const bool allowed = a == A::kNote || (a == A::kReopen && s != S::kMerged);
        CHECK(CheckTransition(s, a).ok() == allowed);
      }
  }

  TEST_CASE("unsatisfied reopens with the supervised flag and restarts the clock") {
    auto t = CheckTransition(S::kResolved, A::kUnsatisfied);
    REQUIRE(t.ok());
    CHECK(t->to == S::kReopened);
    CHECK(t->sets_supervised);
    CHECK(t->restarts_clock);
    CHECK_FALSE(t->raises_level);
  }

  TEST_CASE("no answer closes as no-answer, never as satisfied") {
    auto t = CheckTransition(S::kResolved, A::kNoAnswer);
    REQUIRE(t.ok());
    CHECK(t->to == S::kClosed);
    CHECK(t->outcome == Outcome::kNoAnswer);
  }

  TEST_CASE("escalate and 督办 raise the level and supervise without changing the status") {
    for (S s : {S::kDispatched, S::kAccepted, S::kInProgress, S::kWaitingResident, S::kTransferred}) {
      auto t = CheckTransition(s, A::kEscalate);
      REQUIRE(t.ok());
      CHECK(t->to == s);
      CHECK(t->raises_level);
      CHECK(t->sets_supervised);
    }
    auto sup = CheckTransition(S::kAccepted, A::kSupervise);
    REQUIRE(sup.ok());
    CHECK(sup->to == S::kAccepted);
    CHECK(sup->sets_supervised);
    CHECK(sup->raises_level);  // 督办 by hand does what a lapsed deadline does
  }

  TEST_CASE("actions name what they need, and CheckArguments refuses what is missing") {
    CHECK(Needs(A::kTransfer).reason);
    CHECK(Needs(A::kTransfer).target);
    CHECK(Needs(A::kReturn).reason);
    CHECK(Needs(A::kReject).reason);
    CHECK(Needs(A::kResolve).note);
    CHECK(Needs(A::kWaitResident).note);
    CHECK(Needs(A::kNote).note);
    CHECK_FALSE(Needs(A::kAccept).reason);
    for (A a : {A::kDispatch, A::kSatisfied, A::kUnsatisfied, A::kNoAnswer, A::kEscalate}) CHECK(Needs(a).system);
    CHECK_FALSE(Needs(A::kAccept).system);

    Status s = CheckArguments(A::kTransfer, {"w-li", "", ""});
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("reason") != std::string::npos);
    CHECK(CheckArguments(A::kTransfer, {"", "不属本网格", ""}).message().find("target") != std::string::npos);
    CHECK(CheckArguments(A::kTransfer, {"w-li", "不属本网格", ""}).ok());
    CHECK_FALSE(CheckArguments(A::kResolve, {}).ok());
    CHECK(CheckArguments(A::kResolve, {"", "", "灯已更换"}).ok());
    CHECK(CheckArguments(A::kAccept, {}).ok());
  }

  TEST_CASE("the Markdown table has one row per action") {
    const std::string md = LifecycleMarkdown();
    size_t rows = 0;
    std::istringstream in(md);
    for (std::string line; std::getline(in, line);) rows += line.starts_with("| `");
    CHECK(rows == kAllActions.size());
    CHECK(md.find("| `resolve` | 办结 | accepted, in_progress, waiting_resident | resolved | note | — |") !=
          std::string::npos);
  }

  TEST_CASE("the README's lifecycle table is the one in code") {
    std::ifstream f(std::string(GRIDRELAY_SOURCE_DIR) + "/README.md");
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string readme = ss.str();
    const std::string begin = "<!-- lifecycle-table:begin (generated by LifecycleMarkdown(); a test compares) -->\n";
    const std::string end = "<!-- lifecycle-table:end -->";
    const size_t b = readme.find(begin), e = readme.find(end);
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const std::string in_readme = readme.substr(b + begin.size(), e - b - begin.size());
    INFO("paste this table into README.md:\n" << LifecycleMarkdown());
    CHECK(in_readme == LifecycleMarkdown());
    // The comparison can fail: a planted edit of one row is caught.
    std::string planted = in_readme;
    planted.replace(planted.find("| resolved |"), 12, "| closed |");
    CHECK(planted != LifecycleMarkdown());
  }
}

}  // namespace
}  // namespace gridrelay::workflow
