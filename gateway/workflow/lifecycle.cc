// The state machine's one table and the functions that read it.
#include "gateway/workflow/lifecycle.h"

#include <cstdint>

namespace gridrelay::workflow {
namespace {

using S = TicketStatus;

constexpr uint32_t Bit(S s) { return 1u << static_cast<unsigned>(s); }
constexpr uint32_t kOpen = Bit(S::kNew) | Bit(S::kDispatched) | Bit(S::kAccepted) | Bit(S::kInProgress) |
                           Bit(S::kWaitingResident) | Bit(S::kTransferred) | Bit(S::kReopened);
constexpr uint32_t kAny = kOpen | Bit(S::kUnconfirmed) | Bit(S::kResolved) | Bit(S::kClosed) | Bit(S::kRejected) |
                          Bit(S::kMerged);

// One row per action: where it may start, where it leads (nullopt: status unchanged), what it
// needs and what else it does.
struct Row {
  Action action;
  std::string_view name;
  std::string_view chinese;
  uint32_t from;
  std::optional<S> to;
  ActionNeeds needs;
  bool supervised;
  bool level_up;
  bool restarts_clock;
  Outcome outcome;
  bool confirms;  // from unconfirmed the action leads to dispatched, whatever `to` says
};

// clang-format off
constexpr std::array<Row, 23> kTable = {{
  // action               name             中文      from                                                                           to                     needs {reason,target,note,system}  sup    level  clock  outcome         confirms
  {Action::kDispatch,     "dispatch",      "派单",   Bit(S::kNew),                                                                  S::kDispatched,        {false, false, false, true},  false, false, false, Outcome::kNone, false},
  {Action::kAccept,       "accept",        "接单",   Bit(S::kDispatched) | Bit(S::kTransferred) | Bit(S::kReopened),               S::kAccepted,          {false, false, false, false}, false, false, false, Outcome::kNone, false},
  {Action::kStart,        "start",         "处理中", Bit(S::kAccepted) | Bit(S::kWaitingResident) | Bit(S::kReopened),             S::kInProgress,        {false, false, false, false}, false, false, false, Outcome::kNone, false},
  {Action::kWaitResident, "wait_resident", "等回复", Bit(S::kAccepted) | Bit(S::kInProgress) | Bit(S::kReopened),                  S::kWaitingResident,   {false, false, true,  false}, false, false, false, Outcome::kNone, false},
  {Action::kTransfer,     "transfer",      "转办",   kOpen,                                                                         S::kTransferred,       {true,  true,  false, false}, false, false, false, Outcome::kNone, false},
  {Action::kReturn,       "return",        "退回",   Bit(S::kDispatched) | Bit(S::kTransferred) | Bit(S::kAccepted),               S::kDispatched,        {true,  false, false, false}, false, false, false, Outcome::kNone, false},
  {Action::kResolve,      "resolve",       "办结",   Bit(S::kAccepted) | Bit(S::kInProgress) | Bit(S::kWaitingResident),           S::kResolved,          {false, false, true,  false}, false, false, false, Outcome::kNone, false},
  {Action::kReject,       "reject",        "驳回",   Bit(S::kNew) | Bit(S::kDispatched) | Bit(S::kTransferred) | Bit(S::kAccepted) | Bit(S::kInProgress),
                                                                                                                                    S::kRejected,          {true,  false, false, false}, false, false, false, Outcome::kNone, false},
  {Action::kReopen,       "reopen",        "重开",   Bit(S::kResolved) | Bit(S::kClosed) | Bit(S::kRejected),                      S::kReopened,          {false, false, false, false}, false, false, true,  Outcome::kNone, false},
  {Action::kSupervise,    "supervise",     "督办",   kOpen | Bit(S::kResolved),                                                     std::nullopt,          {false, false, false, false}, true,  true,  false, Outcome::kNone, false},
  {Action::kNote,         "note",          "备注",   kAny,                                                                          std::nullopt,          {false, false, true,  false}, false, false, false, Outcome::kNone, false},
  {Action::kSatisfied,    "satisfied",     "满意",   Bit(S::kResolved),                                                             S::kClosed,            {false, false, false, true},  false, false, false, Outcome::kSatisfied, false},
  {Action::kUnsatisfied,  "unsatisfied",   "不满意", Bit(S::kResolved),                                                             S::kReopened,          {false, false, false, true},  true,  false, true,  Outcome::kNone, false},
  {Action::kNoAnswer,     "no_answer",     "未回复", Bit(S::kResolved),                                                             S::kClosed,            {false, false, false, true},  false, false, false, Outcome::kNoAnswer, false},
  {Action::kEscalate,     "escalate",      "升级",   kOpen,                                                                         std::nullopt,          {false, false, false, true},  true,  true,  false, Outcome::kNone, false},
  {Action::kMerge,        "merge",         "合并",   kOpen,                                                                         S::kMerged,            {false, true,  false, false}, false, false, false, Outcome::kNone, false},
  {Action::kAttach,       "attach",        "并入",   kOpen,                                                                         std::nullopt,          {false, true,  false, true},  false, false, false, Outcome::kNone, false},
  {Action::kSplit,        "split",         "拆分",   kOpen,                                                                         std::nullopt,          {false, true,  false, false}, false, false, false, Outcome::kNone, false},
  {Action::kConfirm,      "confirm",       "确认",   Bit(S::kUnconfirmed),                                                          S::kDispatched,        {false, false, false, false}, false, false, false, Outcome::kNone, true},
  {Action::kReclassify,   "reclassify",    "改类",   Bit(S::kUnconfirmed) | kOpen,                                                  std::nullopt,          {false, true,  false, false}, false, false, false, Outcome::kNone, true},
  {Action::kDismiss,      "dismiss",       "忽略",   Bit(S::kUnconfirmed),                                                          S::kRejected,          {false, false, false, false}, false, false, false, Outcome::kNone, false},
  {Action::kDissuaded,    "dissuaded",     "已劝阻", kOpen,                                                                         std::nullopt,          {false, false, true,  false}, false, false, false, Outcome::kDissuaded, false},
  {Action::kUnreachable,  "unreachable",   "未联系上", kOpen,                                                                       std::nullopt,          {false, false, true,  false}, false, false, false, Outcome::kUnreachable, false},
}};
// clang-format on

const Row& RowOf(Action a) {
  for (const Row& r : kTable)
    if (r.action == a) return r;
  return kTable[0];  // unreachable: every enumerator has a row (tested)
}

std::string Join(uint32_t mask, bool chinese) {
  std::string out;
  for (S s : kAllTicketStatuses) {
    if (!(mask & Bit(s))) continue;
    if (!out.empty()) out += chinese ? "、" : ", ";
    out += chinese ? ChineseName(s) : Name(s);
  }
  return out;
}

}  // namespace

std::string_view Name(Action a) { return RowOf(a).name; }
std::string_view ChineseName(Action a) { return RowOf(a).chinese; }
ActionNeeds Needs(Action a) { return RowOf(a).needs; }

std::optional<Action> ParseAction(std::string_view name) {
  for (const Row& r : kTable)
    if (r.name == name) return r.action;
  return std::nullopt;
}

Status CheckArguments(Action a, const ActionArgs& args) {
  const Row& r = RowOf(a);
  auto missing = [&](std::string_view zh, std::string_view en) {
    return Status::InvalidArgument(std::string(r.chinese) + "需要" + std::string(zh) + " (" + std::string(r.name) +
                                   " needs " + std::string(en) + ")");
  };
  if (r.needs.target && args.target.empty())
    return missing(a == Action::kMerge        ? "合并到的工单号"
                   : a == Action::kTransfer   ? "转办目标"
                   : a == Action::kReclassify ? "分类（诉求、法律或反诈）"
                                              : "消息号",
                   "a target");
  if (r.needs.reason && args.reason.empty()) return missing("理由", "a reason");
  if (r.needs.note && args.note.empty()) return missing("说明", "a note");
  return Status::Ok();
}

StatusOr<Transition> CheckTransition(TicketStatus from, Action a) {
  const Row& r = RowOf(a);
  if (r.from & Bit(from)) {
    Transition t{from, a, r.confirms && from == S::kUnconfirmed ? S::kDispatched : r.to.value_or(from)};
    t.sets_supervised = r.supervised;
    t.raises_level = r.level_up;
    t.restarts_clock = r.restarts_clock;
    t.outcome = r.outcome;
    return t;
  }
  const std::string zh_from(ChineseName(from)), en_from(Name(from));
  const std::string zh_act(r.chinese), en_act(r.name);
  // The common mistakes get a message that says what to do instead.
  const bool never_accepted = from == S::kNew || from == S::kDispatched || from == S::kTransferred;
  if (a == Action::kResolve && never_accepted)
    return Status::FailedPrecondition("工单尚未受理，不能办结，请先接单 (cannot resolve a ticket that was never accepted; "
                                      "status is " + en_from + ", accept it first)");
  if (a == Action::kResolve && from == S::kReopened)
    return Status::FailedPrecondition("工单已重开，请先接单或处理后再办结 (cannot resolve a reopened ticket before it is "
                                      "accepted or started again)");
  if (from == S::kUnconfirmed)
    return Status::FailedPrecondition("工单待确认，不能" + zh_act + "，请先「确认」或「改类」 (cannot " + en_act +
                                      " a ticket that is unconfirmed; confirm or reclassify it first)");
  if (IsTerminal(from) || from == S::kResolved)
    return Status::FailedPrecondition("工单" + zh_from + "，不能" + zh_act + " (cannot " + en_act + " a ticket that is " +
                                      en_from + "; allowed from: " + AllowedFrom(a) + ")");
  return Status::FailedPrecondition("工单当前状态为「" + zh_from + "」，不能" + zh_act + "；可" + zh_act + "的状态：" +
                                    Join(r.from, true) + " (cannot " + en_act + " a ticket that is " + en_from +
                                    "; allowed from: " + AllowedFrom(a) + ")");
}

std::string AllowedFrom(Action a) { return Join(RowOf(a).from, false); }

std::string LifecycleMarkdown() {
  std::string md =
      "| action | 动作 | from | to | needs | also |\n"
      "|---|---|---|---|---|---|\n";
  for (const Row& r : kTable) {
    std::string needs;
    auto add = [](std::string& s, std::string_view part) {
      if (!s.empty()) s += ", ";
      s += part;
    };
    if (r.needs.target) add(needs, "target");
    if (r.needs.reason) add(needs, "reason");
    if (r.needs.note) add(needs, "note");
    if (r.needs.system) add(needs, "system only");
    std::string also;
    if (r.level_up) add(also, "level + 1");
    if (r.supervised) add(also, "supervised");
    if (r.restarts_clock) add(also, "clock restarts");
    if (r.confirms && r.to != S::kDispatched) add(also, "unconfirmed → dispatched");
    if (r.outcome == Outcome::kSatisfied) add(also, "outcome satisfied");
    if (r.outcome == Outcome::kNoAnswer) add(also, "outcome no_answer");
    if (r.outcome == Outcome::kDissuaded) add(also, "visit outcome dissuaded");
    if (r.outcome == Outcome::kUnreachable) add(also, "visit outcome unreachable");
    const std::string from = r.from == kAny ? std::string("any") : Join(r.from, false);
    md += "| `" + std::string(r.name) + "` | " + std::string(r.chinese) + " | " + from + " | " +
          (r.to ? std::string(Name(*r.to)) : std::string("(unchanged)")) + " | " + (needs.empty() ? "—" : needs) +
          " | " + (also.empty() ? "—" : also) + " |\n";
  }
  return md;
}

}  // namespace gridrelay::workflow
