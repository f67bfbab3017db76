// The staff API's JSON shapes, in one place. Times are RFC 3339 UTC strings.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/store/store.h"
#include "gateway/workflow/report.h"

namespace gridrelay {

// "2026-11-23T05:24:12.123Z" for Unix microseconds; null for 0.
nlohmann::json TimeJson(int64_t micros);

nlohmann::json TicketJson(const Ticket& t);
nlohmann::json TicketEventJson(const TicketEvent& e);
nlohmann::json MessageJson(const StoredMessage& m);
nlohmann::json OutboxJson(const OutboxEntry& e);
// A warning with its evidence (message, rules, template) and, once marked, its false alarm.
nlohmann::json WarningJson(const Warning& w);
// GET /api/v1/stats and `gridrelay report --json`: {from, to, now, group_by, groups: [...], total}.
// Each row has its counts, each rate beside its numerator and denominator, and null for a rate
// or duration with nothing to measure.
nlohmann::json ReportJson(const workflow::Report& r);

}  // namespace gridrelay
