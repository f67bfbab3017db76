// Names of TicketStatus: one table, read both ways.
#include "gateway/core/ticket_status.h"

namespace gridrelay {
namespace {

struct StatusNames {
  TicketStatus status;
  std::string_view name;
  std::string_view chinese;
};

constexpr std::array<StatusNames, 12> kNames = {{
    {TicketStatus::kUnconfirmed, "unconfirmed", "待确认"},
    {TicketStatus::kNew, "new", "待派单"},
    {TicketStatus::kDispatched, "dispatched", "已派单"},
    {TicketStatus::kAccepted, "accepted", "已受理"},
    {TicketStatus::kInProgress, "in_progress", "处理中"},
    {TicketStatus::kWaitingResident, "waiting_resident", "等待居民回复"},
    {TicketStatus::kTransferred, "transferred", "已转办"},
    {TicketStatus::kReopened, "reopened", "已重开"},
    {TicketStatus::kResolved, "resolved", "已办结"},
    {TicketStatus::kClosed, "closed", "已关闭"},
    {TicketStatus::kRejected, "rejected", "已驳回"},
    {TicketStatus::kMerged, "merged", "已合并"},
}};

const StatusNames& Find(TicketStatus s) {
  for (const auto& n : kNames)
    if (n.status == s) return n;
  return kNames[0];  // unreachable: every enumerator is in the table (tested)
}

}  // namespace

std::string_view Name(TicketStatus s) { return Find(s).name; }
std::string_view ChineseName(TicketStatus s) { return Find(s).chinese; }

std::optional<TicketStatus> ParseTicketStatus(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.status;
  return std::nullopt;
}

bool IsTerminal(TicketStatus s) {
  return s == TicketStatus::kClosed || s == TicketStatus::kRejected || s == TicketStatus::kMerged;
}

}  // namespace gridrelay
