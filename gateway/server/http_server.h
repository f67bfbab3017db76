// HttpServer: the HTTP layer, and the only room of the gateway that includes <httplib.h>. It
// converts requests and replies and nothing more: webhooks go to WebhookIngest, /api/ to the
// Api, and it serves the operations endpoints (/healthz, /readyz, /metrics). Every error is a
// JSON body {"error": {"code", "message"}} with a matching status; platform webhooks answer in
// their platform's dialect through the adapter. Replaceable: nothing else sees the library.
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "gateway/api/api.h"
#include "gateway/config/config.h"
#include "gateway/ingest/webhook_ingest.h"
#include "gateway/store/store.h"
#include "util/metrics.h"

namespace httplib {
class Server;
}

namespace gridrelay {

// What the server serves. Everything must outlive the server.
struct ServerHandlers {
  const WebhookIngest* webhooks = nullptr;
  const Api* api = nullptr;
  HealthStore* health = nullptr;
  const Metrics* metrics = nullptr;
  std::function<size_t()> channel_count;  // for /readyz
  LogFn log;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, ServerHandlers handlers);
  ~HttpServer();

  // Binds the listen address and serves on a thread of its own; returns once bound.
  Status Start();
  // Stops accepting; requests in flight finish. Idempotent.
  void Stop();
  int port() const { return port_; }

 private:
  void InstallRoutes();

  const ServerOptions options_;
  ServerHandlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listen_thread_;
  int port_ = 0;
};

}  // namespace gridrelay
