// GET /api/v1/messages/{id}: a message with its classification, its ticket and its replies.
// Residents' words and platform ids: an admin sees every message; a scoped actor only one that
// opened a ticket in her scope (anything else, including triage, is answered as missing).
#include "gateway/api/api.h"
#include "gateway/api/api_json.h"

namespace gridrelay {

void AddMessageRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/api/v1/messages/{id}", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadMessages);
                      const int64_t id = std::stoll(call.params.at("id"));
                      Store* store = call.deps.store;
                      auto m = store->GetMessage(id);
                      if (!m.ok()) return ApiResponse::Error(m.status());
                      const Status missing = Status::NotFound("no message " + std::to_string(id));
                      if (!m->has_value()) return ApiResponse::Error(missing);
                      std::optional<Ticket> ticket;
                      if ((*m)->ticket_id) {
                        auto t = store->GetTicket((*m)->ticket_id);
                        if (!t.ok()) return ApiResponse::Error(t.status());
                        ticket = std::move(*t);
                      }
                      if (call.actor.scope && !(ticket && call.Sees(*ticket))) return ApiResponse::Error(missing);
                      nlohmann::json out = MessageJson(**m);
                      out["ticket"] = ticket ? TicketJson(*ticket) : nlohmann::json();
                      auto replies = store->OutboxForMessage(id);
                      if (!replies.ok()) return ApiResponse::Error(replies.status());
                      out["replies"] = nlohmann::json::array();
                      for (const auto& e : *replies) out["replies"].push_back(OutboxJson(e));
                      return ApiResponse::Ok(out);
                    }});
}

}  // namespace gridrelay
