#include "gateway/server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace gridrelay {
namespace {

void WriteJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void WriteError(httplib::Response& res, const Status& s) {
  res.status = HttpStatusFor(s);
  res.set_content(JsonErrorBody(s), "application/json");
}

void WriteReply(httplib::Response& res, const WebhookReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

WebhookRequest ToWebhookRequest(const httplib::Request& req) {
  WebhookRequest w;
  w.method = req.method;
  for (const auto& [k, v] : req.params) w.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) w.headers.emplace(Lower(k), v);
  w.body = req.body;
  w.remote_addr = req.remote_addr;
  return w;
}

ApiRequest ToApiRequest(const httplib::Request& req) {
  ApiRequest a;
  a.method = req.method;
  a.path = req.path;
  for (const auto& [k, v] : req.params) a.query.emplace(k, v);
  a.authorization = req.get_header_value("Authorization");
  a.body = req.body;
  return a;
}

// The store's counts as gauges; the states listed are always rendered, at 0 when empty, so
// that a dashboard never sees a series disappear.
std::vector<Gauge> StoreGauges(const StoreCounts& counts) {
  auto with = [](std::map<std::string, int64_t> m, std::initializer_list<const char*> always) {
    for (const char* k : always) m.emplace(k, 0);
    return m;
  };
  return {
      {"gridrelay_tickets", "Tickets by status.", "status", with(counts.tickets_by_status, {"dispatched"})},
      {"gridrelay_outbox", "Outbox rows by status.", "status",
       with(counts.outbox_by_status, {"pending", "sent", "dead"})},
      {"gridrelay_messages", "Inbox messages by state (received = backlog not yet routed).", "state",
       with(counts.messages_by_state, {"received", "processed", "ignored", "triage"})},
  };
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, ServerHandlers handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  server_ = std::make_unique<httplib::Server>();
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_count));
  server_->set_keep_alive_timeout(options_.keep_alive_seconds);
  server_->set_read_timeout(options_.read_timeout_seconds, 0);
  server_->set_write_timeout(options_.read_timeout_seconds, 0);
  server_->set_payload_max_length(options_.max_body_bytes);
  InstallRoutes();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) return Status::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port));
  listen_thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (server_) server_->stop();  // stop accepting; requests in flight finish (they wait on their commit)
  if (listen_thread_.joinable()) listen_thread_.join();
}

void HttpServer::InstallRoutes() {
  httplib::Server& s = *server_;
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Status st = res.status == 413   ? Status::PayloadTooLarge("the body is larger than server.max_body_bytes")
                : res.status == 404 ? Status::NotFound("no such route")
                : res.status == 400 ? Status::InvalidArgument("bad request")
                : res.status == 414 ? Status::InvalidArgument("the request URI is too long")
                : res.status == 405 ? Status::InvalidArgument("method not allowed")
                                    : Status(StatusCode::kInternal, "HTTP " + std::to_string(res.status));
    const int status = res.status;
    res.set_content(JsonErrorBody(st), "application/json");
    res.status = status;
    return httplib::Server::HandlerResponse::Handled;
  }));
  LogFn log = handlers_.log;
  s.set_exception_handler([log](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    if (log) log("error", "handler threw", {{"path", req.path}, {"error", what}});
    WriteError(res, Status::Internal("internal error"));
  });

  auto webhook = [this](const httplib::Request& req, httplib::Response& res) {
    WriteReply(res, handlers_.webhooks->Handle(req.matches[1], req.matches[2], ToWebhookRequest(req)));
  };
  const char* kWebhook = R"(/webhook/([a-z0-9]+)/([a-z0-9][a-z0-9_-]{0,63}))";
  s.Post(kWebhook, webhook);
  s.Get(kWebhook, webhook);  // URL verification (WeCom)

  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { WriteJson(res, 200, {{"status", "ok"}}); });
  s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    Status ping = handlers_.health->Ping();
    if (!ping.ok()) return WriteJson(res, 503, {{"status", "not ready"}, {"error", ping.ToString()}});
    WriteJson(res, 200, {{"status", "ready"}, {"channels", handlers_.channel_count()}});
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto counts = handlers_.health->Counts();
    if (!counts.ok()) return WriteError(res, Status::Unavailable(counts.status().message()));
    res.set_content(handlers_.metrics->Render(StoreGauges(*counts)), "text/plain; version=0.0.4");
  });

  auto api = [this](const httplib::Request& req, httplib::Response& res) {
    ApiResponse out = handlers_.api->Handle(ToApiRequest(req));
    WriteJson(res, out.status, out.body);
  };
  const char* kApi = R"(/api/.*)";
  s.Get(kApi, api);
  s.Post(kApi, api);
  s.Put(kApi, api);
  s.Patch(kApi, api);
  s.Delete(kApi, api);
  s.Options(kApi, api);  // every method reaches the API, which answers 401 before anything else
}

}  // namespace gridrelay
