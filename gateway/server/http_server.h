// HttpServer: the HTTP layer, and the only room of the gateway that speaks HTTP on the inbound
// side. It converts requests and replies and nothing more: webhooks go to WebhookIngest, /api/
// to the Api, and it serves the operations endpoints (/healthz, /readyz, /metrics). Every error
// is a JSON body {"error": {"code", "message"}} with a matching status; platform webhooks answer
// in their platform's dialect through the adapter. Replaceable: nothing else sees the library.
//
// Event-driven (Boost.Beast on Asio, epoll): a connection costs a socket and its buffers, never
// a thread, so idle, trickling and half-open connections cannot starve a platform's webhook.
// Handlers (which wait on their commit) run on a pool of `threads`. Every limit is enforced
// before anything is buffered beyond it (ServerOptions says which and their defaults):
//   - the request line and headers together are at most max_header_bytes (431; a target longer
//     than kMaxTargetBytes is 414), with at most max_headers fields (431);
//   - a body, however framed (Content-Length or chunked), at most max_body_bytes (413); a
//     Content-Encoding other than identity is refused (415), never inflated;
//   - a whole request, from its first byte to its last, within request_timeout_seconds; a new
//     connection must start its request within read_timeout_seconds, a kept-alive one within
//     keep_alive_seconds; otherwise the connection is closed;
//   - at most max_connections_per_source connections from one address, and max_connections in
//     all: the excess is closed at accept;
//   - the listen backlog is listen_backlog (>= 1024).
// /metrics is served on the main listener unless metrics_listen names an address of its own;
// with metrics_token set it needs `Authorization: Bearer <token>` wherever it is served.
#pragma once

#include <functional>
#include <memory>

#include "gateway/api/api.h"
#include "gateway/config/config.h"
#include "gateway/ingest/webhook_ingest.h"
#include "gateway/store/store.h"
#include "util/metrics.h"

namespace gridrelay {

// What the server serves. Everything must outlive the server.
struct ServerHandlers {
  const WebhookIngest* webhooks = nullptr;
  const Api* api = nullptr;
  HealthStore* health = nullptr;
  const Metrics* metrics = nullptr;
  // /readyz detail beside the store's ping, e.g. {"channels": 5, "warnings": [...]}: things an
  // operator must fix that do not make the gateway unready (a calendar without next year).
  std::function<nlohmann::json()> readiness_detail;
  LogFn log;
};

class HttpServer {
 public:
  // A request target longer than this is answered 414.
  static constexpr size_t kMaxTargetBytes = 8192;

  HttpServer(ServerOptions options, ServerHandlers handlers);
  ~HttpServer();

  // Binds the listen address (and metrics_listen, if set) and serves on threads of its own;
  // returns once bound.
  Status Start();
  // Stops accepting; requests in flight finish and are answered. Idempotent.
  void Stop();
  int port() const { return port_; }
  // The port /metrics is served on: port() unless metrics_listen is set.
  int metrics_port() const { return metrics_port_; }

  struct Impl;  // public for the sessions in http_server.cc; opaque elsewhere

 private:
  const ServerOptions options_;
  ServerHandlers handlers_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  int metrics_port_ = 0;
};

}  // namespace gridrelay
