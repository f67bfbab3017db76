// The staff API's JSON shapes, in one place. Times are RFC 3339 UTC strings.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/store/store.h"

namespace gridrelay {

// "2026-11-23T05:24:12.123Z" for Unix microseconds; null for 0.
nlohmann::json TimeJson(int64_t micros);

nlohmann::json TicketJson(const Ticket& t);
nlohmann::json TicketEventJson(const TicketEvent& e);
nlohmann::json MessageJson(const StoredMessage& m);
nlohmann::json OutboxJson(const OutboxEntry& e);

}  // namespace gridrelay
