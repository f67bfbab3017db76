// `gridrelay report`: the report of gateway/workflow/report.h (the same BuildReport as
// GET /api/v1/stats) printed as a table, or as the API's JSON with --json. main.cc parses the
// flags, opens the store and calls this.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "gateway/store/store.h"
#include "gateway/workflow/calendar.h"

namespace gridrelay {

struct ReportArgs {
  std::string from;  // RFC 3339 date or date-time; "" = 30 days before `to`
  std::string to;    // "" = now
  std::string group_by = "grid";
  bool json = false;
};

// Prints the report for tickets in `store` at `now` (Unix microseconds). Returns the exit code:
// 0; 1 when the store fails; 2 (with the reason on `err`) for a malformed window or group.
// `calendar` (may be null) counts the working-time figures.
int RunReport(TicketStore& store, const ReportArgs& args, const workflow::Calendar* calendar, int64_t now,
              std::ostream& out, std::ostream& err);

}  // namespace gridrelay
