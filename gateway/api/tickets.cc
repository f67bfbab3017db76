// GET /api/v1/tickets, GET /api/v1/tickets/{id}: only what the caller's scope holds. The list is
// filtered in the store, so its pages never reach past the scope; a ticket outside it is answered
// exactly as a missing one, so that its existence is not revealed either.
// POST /api/v1/tickets/{id}/actions: the chat verbs' twin (one table, gateway/workflow).
#include "gateway/api/api.h"
#include "gateway/api/api_json.h"
#include "gateway/core/time_units.h"
#include "gateway/workflow/ticket_actions.h"

namespace gridrelay {

void AddTicketRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/api/v1/tickets", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      TicketFilter f;
                      if (const std::string status = call.Param("status"); !status.empty()) {
                        f.status = ParseTicketStatus(status);
                        if (!f.status)
                          return ApiResponse::Error(Status::InvalidArgument("unknown status '" + status + "'"));
                      }
                      f.scope = call.actor.scope;  // nullopt (admin, district): everything
                      f.grid = call.Param("grid");
                      f.assignee = call.Param("assignee");
                      if (f.assignee == "me") f.assignee = call.actor.id;
                      f.category = call.Param("category");
                      auto since = call.IntParam("since", 0, 0, int64_t{1} << 40);
                      auto limit = call.IntParam("limit", 50, 1, 500);
                      auto before = call.IntParam("before", 0, 0, INT64_MAX);
                      for (const auto* p : {&since, &limit, &before})
                        if (!p->ok()) return ApiResponse::Error(p->status());
                      f.since = *since * kMicrosPerSecond;
                      f.limit = static_cast<int>(*limit);
                      f.before_id = *before;
                      auto tickets = call.deps.store->ListTickets(f);
                      if (!tickets.ok()) return ApiResponse::Error(tickets.status());
                      nlohmann::json out = {{"tickets", nlohmann::json::array()}, {"next_before", nullptr}};
                      for (const auto& t : *tickets) out["tickets"].push_back(TicketJson(t));
                      if (static_cast<int>(tickets->size()) == f.limit) out["next_before"] = tickets->back().id;
                      return ApiResponse::Ok(out);
                    }});
  routes.push_back({"GET", "/api/v1/tickets/{id}", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      const int64_t id = std::stoll(call.params.at("id"));
                      auto t = call.deps.store->GetTicket(id);
                      if (!t.ok()) return ApiResponse::Error(t.status());
                      if (!t->has_value() || !call.Sees(**t))
                        return ApiResponse::Error(Status::NotFound("no ticket " + std::to_string(id)));
                      auto events = call.deps.store->TicketEvents(id);
                      if (!events.ok()) return ApiResponse::Error(events.status());
                      auto messages = call.deps.store->TicketMessages(id);
                      if (!messages.ok()) return ApiResponse::Error(messages.status());
                      nlohmann::json out = TicketJson(**t);
                      // Its reports: the one that opened it and the duplicates that joined it.
                      out["messages"] = nlohmann::json::array();
                      for (const auto& m : *messages)
                        out["messages"].push_back({{"id", m.id},
                                                   {"sender", {{"id", m.message.sender_id}, {"name", m.message.sender_name}}},
                                                   {"group_id", m.message.group_id},
                                                   {"text", m.message.text},
                                                   {"urgent", m.classification.urgent},
                                                   {"received_at", TimeJson(m.received_at)}});
                      out["events"] = nlohmann::json::array();
                      for (const auto& e : *events) out["events"].push_back(TicketEventJson(e));
                      return ApiResponse::Ok(out);
                    }});
  routes.push_back({"POST", "/api/v1/tickets/{id}/actions", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      const int64_t id = std::stoll(call.params.at("id"));
                      nlohmann::json body = nlohmann::json::parse(call.request.body, nullptr, false);
                      // A string, or for ticket and message numbers (merge's `to`, split's `message`) a
                      // whole number.
                      auto text = [&](const char* key) {
                        if (!body.is_object() || !body.contains(key)) return std::string();
                        const auto& v = body[key];
                        if (v.is_string()) return v.get<std::string>();
                        if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
                        return std::string();
                      };
                      if (body.is_discarded() || !body.is_object() || text("action").empty())
                        return ApiResponse::Error(Status::InvalidArgument(
                            "body must be {\"action\": \"accept|start|wait_resident|transfer|return|resolve|reject|"
                            "reopen|supervise|note|merge|split|confirm|reclassify|dismiss\", \"to\"?, \"message\"?, "
                            "\"reason\"?, \"note\"?}"));
                      const std::optional<workflow::Action> action = workflow::ParseAction(text("action"));
                      if (!action)
                        return ApiResponse::Error(Status::InvalidArgument("unknown action '" + text("action") + "'"));
                      // split names the message it takes out as `message` (or `to`).
                      const std::string target =
                          *action == workflow::Action::kSplit && !text("message").empty() ? text("message") : text("to");
                      const workflow::ActionArgs args{target, text("reason"), text("note")};
                      auto done = workflow::PerformAction(call.deps.store, call.deps.clock, *call.deps.runtime(),
                                                          call.actor, id, *action, args);
                      if (!done.ok()) return ApiResponse::Error(done.status());
                      if (call.deps.on_enqueued) call.deps.on_enqueued();
                      return ApiResponse::Ok(TicketJson(*done));
                    }});
}

}  // namespace gridrelay
