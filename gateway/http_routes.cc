// The HTTP surface: platform webhooks, the staff API (bearer token), and operations
// endpoints. Every error is a JSON body {"error":{"code","message"}} with a matching status;
// platform webhooks answer in their platform's dialect through the adapter.
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "adapters/common/crypto.h"
#include "gateway/api_json.h"
#include "gateway/gateway.h"
#include "gateway/logging.h"
#include "gateway/replies.h"
#include "intents/normaliser.h"

namespace gridrelay {
namespace {

void WriteJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void WriteError(httplib::Response& res, const Status& s) {
  res.status = s.HttpStatus();
  res.set_content(JsonErrorBody(s), "application/json");
}

void WriteReply(httplib::Response& res, const WebhookReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

WebhookRequest ToWebhookRequest(const httplib::Request& req) {
  WebhookRequest w;
  w.method = req.method;
  for (const auto& [k, v] : req.params) w.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    w.headers.emplace(key, v);
  }
  w.body = req.body;
  w.remote_addr = req.remote_addr;
  return w;
}

StatusOr<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t def, int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return def;
  const std::string v = req.get_param_value(name);
  try {
    size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used != v.size() || n < lo || n > hi) throw std::out_of_range("range");
    return n;
  } catch (...) {
    return Status::InvalidArgument(std::string("query parameter '") + name + "' must be an integer in " +
                                   std::to_string(lo) + ".." + std::to_string(hi));
  }
}

int64_t ElapsedMicros(const Clock* clock, int64_t since) { return clock->NowMicros() - since; }

}  // namespace

std::optional<ApiToken> Gateway::Authenticate(const httplib::Request& req, httplib::Response& res) {
  const std::string auth = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (auth.rfind(prefix, 0) != 0 || auth.size() == prefix.size()) {
    WriteError(res, Status::Unauthenticated("missing Authorization: Bearer <token> (create one with `gridrelay token create`)"));
    return std::nullopt;
  }
  auto token = store_->FindToken(crypto::Sha256Hex(auth.substr(prefix.size())));
  if (!token.ok()) {
    WriteError(res, Status::Unavailable("store: " + token.status().message()));
    return std::nullopt;
  }
  if (!token->has_value()) {
    WriteError(res, Status::Unauthenticated("unknown or revoked token"));
    return std::nullopt;
  }
  return **token;
}

void Gateway::HandleWebhook(const std::string& type, const std::string& channel, const httplib::Request& req,
                            httplib::Response& res) {
  const Clock* clock = options_.clock;
  const int64_t started = clock->NowMicros();
  std::shared_ptr<const Runtime> rt = runtime();
  const Adapter* adapter = rt->FindAdapter(channel);
  if (!adapter || adapter->type() != type || !adapter->HasInbound()) {
    metrics_.Inc(metric::kRejected, {{"channel", channel}, {"reason", "unknown_channel"}});
    WriteError(res, Status::NotFound("no " + type + " channel named '" + channel + "'"));
    return;
  }
  auto reject = [&](const Status& s) {
    metrics_.Inc(metric::kRejected, {{"channel", channel}, {"reason", std::string(StatusCodeName(s.code()))}});
    Log("warn", "webhook rejected", {{"channel", channel}, {"status", s.HttpStatus()}, {"error", s.message()},
                                     {"remote", req.remote_addr}});
    WriteReply(res, adapter->RenderError(s));
  };
  auto parsed = adapter->ParseWebhook(ToWebhookRequest(req), clock->NowSeconds());
  if (!parsed.ok()) return reject(parsed.status());
  if (parsed->kind != ParsedWebhook::Kind::kMessage) return WriteReply(res, parsed->reply);

  IngestItem item;
  item.message = std::move(parsed->message);
  InboundMessage& m = item.message;
  m.channel = channel;
  if (m.dedup_key.empty()) return reject(Status::InvalidArgument("the message has no id to deduplicate it by"));
  // Nothing downstream (RE2, the store, the logs) ever sees invalid UTF-8.
  m.text = intents::RepairUtf8(m.text);
  m.sender_name = intents::RepairUtf8(m.sender_name);
  if (m.chat_type == "group" && !adapter->AcceptsUnknownGroups() && !rt->router->GridFor(channel, m.group_id))
    return reject(Status::PermissionDenied("group '" + m.group_id + "' is not configured for channel '" + channel + "'"));

  item.sender_role = rt->router->SenderRole(m);
  if (item.sender_role == sender_role::kResident) item.classification = rt->engine->Classify(m.text);
  // An urgent message gets its safety reply in the same commit, ahead of all ticket work.
  if (item.sender_role == sender_role::kResident) {
    if (auto text = SafetyReplyText(rt->config.templates, item.classification, m.text)) {
      OutboxEntry e;
      e.message.channel = channel;
      e.message.kind = outbound_kind::kSafetyReply;
      // Legal-aid matters (domestic violence above all) are answered privately where possible.
      const bool private_reply = m.chat_type != "group" ||
                                 (item.classification.category == "legal_aid" && adapter->CanReplyPrivately());
      e.message.audience = private_reply ? "user" : "group";
      e.message.group_id = m.group_id;
      e.message.user_id = m.sender_id;
      e.message.text = *text;
      e.message.reply_context = m.reply_context;
      if (!m.sender_id.empty()) e.message.mention_user_ids.push_back(m.sender_id);
      e.priority = priority::kUrgent;
      e.rate_key = Dispatcher::RateKey(*adapter, e.message);
      item.safety_reply = std::move(e);
    }
  }
  const std::string category = item.classification.category;
  auto committed = committer_->Submit(item);
  if (!committed.ok()) {
    // Not committed: the platform must retry, so this is not a 200.
    Log("error", "commit failed", {{"channel", channel}, {"error", committed.status().ToString()}});
    return reject(Status::Unavailable("could not store the message: " + committed.status().message()));
  }
  if (committed->duplicate) {
    metrics_.Inc(metric::kDuplicates, {{"channel", channel}});
  } else {
    metrics_.Inc(metric::kReceived, {{"channel", channel}});
    metrics_.Inc(metric::kClassified, {{"category", category}});
  }
  WriteReply(res, adapter->Acknowledge(m, AckInfo{committed->duplicate, committed->message_id, ""}));
  metrics_.Observe(metric::kIngestLatency, static_cast<double>(ElapsedMicros(clock, started)) / 1e6);
}

void Gateway::InstallRoutes() {
  httplib::Server& s = *server_;
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Status st = res.status == 413 ? Status::PayloadTooLarge("the body is larger than server.max_body_bytes")
                : res.status == 404 ? Status::NotFound("no such route")
                : res.status == 400 ? Status::InvalidArgument("bad request")
                                    : Status(StatusCode::kInternal, "HTTP " + std::to_string(res.status));
    res.set_content(JsonErrorBody(st), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    Log("error", "handler threw", {{"path", req.path}, {"error", what}});
    WriteError(res, Status::Internal("internal error"));
  });

  auto webhook = [this](const httplib::Request& req, httplib::Response& res) {
    HandleWebhook(req.matches[1], req.matches[2], req, res);
  };
  const char* kWebhook = R"(/webhook/([a-z0-9]+)/([a-z0-9][a-z0-9_-]{0,63}))";
  s.Post(kWebhook, webhook);
  s.Get(kWebhook, webhook);  // URL verification (WeCom)

  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { WriteJson(res, 200, {{"status", "ok"}}); });
  s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    Status ping = store_->Ping();
    if (!ping.ok() || !runtime()) return WriteJson(res, 503, {{"status", "not ready"}, {"error", ping.ToString()}});
    WriteJson(res, 200, {{"status", "ready"}, {"channels", runtime()->adapters.size()}});
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto counts = store_->Counts();
    if (!counts.ok()) return WriteError(res, Status::Unavailable(counts.status().message()));
    res.set_content(metrics_.Render(*counts), "text/plain; version=0.0.4");
  });

  s.Get("/api/v1/tickets", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authenticate(req, res)) return;
    TicketFilter f;
    f.status = req.get_param_value("status");
    f.grid = req.get_param_value("grid");
    f.category = req.get_param_value("category");
    auto since = IntParam(req, "since", 0, 0, int64_t{1} << 40);
    auto limit = IntParam(req, "limit", 50, 1, 500);
    auto before = IntParam(req, "before", 0, 0, INT64_MAX);
    for (const auto* p : {&since, &limit, &before})
      if (!p->ok()) return WriteError(res, p->status());
    f.since = *since * 1000000;
    f.limit = static_cast<int>(*limit);
    f.before_id = *before;
    auto tickets = store_->ListTickets(f);
    if (!tickets.ok()) return WriteError(res, tickets.status());
    nlohmann::json out = {{"tickets", nlohmann::json::array()}, {"next_before", nullptr}};
    for (const auto& t : *tickets) out["tickets"].push_back(TicketJson(t));
    if (static_cast<int>(tickets->size()) == f.limit) out["next_before"] = tickets->back().id;
    WriteJson(res, 200, out);
  });
  s.Get(R"(/api/v1/tickets/(\d{1,18}))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authenticate(req, res)) return;
    const int64_t id = std::stoll(req.matches[1]);
    auto t = store_->GetTicket(id);
    if (!t.ok()) return WriteError(res, t.status());
    if (!t->has_value()) return WriteError(res, Status::NotFound("no ticket " + std::to_string(id)));
    auto events = store_->TicketEvents(id);
    if (!events.ok()) return WriteError(res, events.status());
    nlohmann::json out = TicketJson(**t);
    out["events"] = nlohmann::json::array();
    for (const auto& e : *events) out["events"].push_back(TicketEventJson(e));
    WriteJson(res, 200, out);
  });
  s.Get(R"(/api/v1/messages/(\d{1,18}))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authenticate(req, res)) return;
    const int64_t id = std::stoll(req.matches[1]);
    auto m = store_->GetMessage(id);
    if (!m.ok()) return WriteError(res, m.status());
    if (!m->has_value()) return WriteError(res, Status::NotFound("no message " + std::to_string(id)));
    nlohmann::json out = MessageJson(**m);
    out["ticket"] = nullptr;
    if ((*m)->ticket_id) {
      auto t = store_->GetTicket((*m)->ticket_id);
      if (t.ok() && t->has_value()) out["ticket"] = TicketJson(**t);
    }
    auto replies = store_->OutboxForMessage(id);
    if (!replies.ok()) return WriteError(res, replies.status());
    out["replies"] = nlohmann::json::array();
    for (const auto& e : *replies) out["replies"].push_back(OutboxJson(e));
    WriteJson(res, 200, out);
  });
  s.Get("/api/v1/outbox", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authenticate(req, res)) return;
    OutboxFilter f;
    f.status = req.get_param_value("status");
    if (!f.status.empty() && f.status != outbox_status::kPending && f.status != outbox_status::kSent &&
        f.status != outbox_status::kDead)
      return WriteError(res, Status::InvalidArgument("status must be pending, sent or dead"));
    auto limit = IntParam(req, "limit", 50, 1, 500);
    auto before = IntParam(req, "before", 0, 0, INT64_MAX);
    if (!limit.ok()) return WriteError(res, limit.status());
    if (!before.ok()) return WriteError(res, before.status());
    f.limit = static_cast<int>(*limit);
    f.before_id = *before;
    auto rows = store_->ListOutbox(f);
    if (!rows.ok()) return WriteError(res, rows.status());
    nlohmann::json out = {{"outbox", nlohmann::json::array()}, {"next_before", nullptr}};
    for (const auto& e : *rows) out["outbox"].push_back(OutboxJson(e));
    if (static_cast<int>(rows->size()) == f.limit) out["next_before"] = rows->back().message.id;
    WriteJson(res, 200, out);
  });
  s.Post("/api/v1/classify", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authenticate(req, res)) return;
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("text") || !body["text"].is_string())
      return WriteError(res, Status::InvalidArgument("body must be {\"text\": \"...\"}"));
    WriteJson(res, 200, nlohmann::json(runtime()->engine->Classify(body["text"].get<std::string>())));
  });
  s.Post("/api/v1/admin/reload", [this](const httplib::Request& req, httplib::Response& res) {
    auto token = Authenticate(req, res);
    if (!token) return;
    if (token->role != "admin") return WriteError(res, Status::PermissionDenied("reload needs an admin token"));
    Status st = Reload();
    if (!st.ok()) return WriteError(res, Status::InvalidArgument("reload rejected, the running config stays: " + st.message()));
    WriteJson(res, 200, {{"ok", true}});
  });
}

}  // namespace gridrelay
