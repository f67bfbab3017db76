// Gateway: the running server, wired. Owns the store, the HTTP server, the group committer,
// the inbox, the dispatcher, the janitor and the current Runtime (config + adapters + intent
// engine), which Reload swaps atomically. Wiring only: every decision lives in a room.
//
// Data flow (ARCHITECTURE.md):
//   POST /webhook/<type>/<channel> -> server -> ingest (parse, policy, group commit) -> 200
//   -> inbox: route, ticket + outbox in one ChangeSet -> dispatcher -> adapter.Send
// Everything that touches the outside is injected, as LevelDB passes an Env: the clock (which
// drives every background loop), the outbound HTTP client, the store (or how to open it) and
// the logger.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>

#include "gateway/api/api.h"
#include "gateway/core/clock.h"
#include "gateway/core/http_client.h"
#include "gateway/dispatch/dispatcher.h"
#include "gateway/ingest/group_commit.h"
#include "gateway/ingest/inbox.h"
#include "gateway/ingest/webhook_ingest.h"
#include "gateway/runtime/runtime.h"
#include "gateway/server/http_server.h"
#include "gateway/store/open_store.h"
#include "gateway/store/store.h"
#include "gateway/workflow/timer_runner.h"
#include "gateway/workflow/workflow_handler.h"
#include "util/metrics.h"
#include "util/worker_loop.h"

namespace gridrelay {

struct GatewayOptions {
  std::filesystem::path config_dir = "config";
  ConfigOverrides overrides;
  const Clock* clock = nullptr;  // default: the system clock
  HttpClient* http = nullptr;    // default: cpp-httplib
  // The store: `store_url` (default: sqlite:<data_dir>/gridrelay.db) opened by `store_factory`
  // (default: OpenStore). Tests wrap the engine here to inject faults.
  std::string store_url;
  StoreFactory store_factory;
  LogFn log;                     // default: JSON lines on stderr
};

class Gateway {
 public:
  static StatusOr<std::unique_ptr<Gateway>> Create(GatewayOptions options);
  ~Gateway();

  // Binds the listen address and starts every worker. Returns once requests are accepted.
  Status Start();
  // Stops accepting, finishes requests in flight, commits what is queued, finishes the sends
  // in flight, and returns. Idempotent.
  void Stop();
  // Blocks until Stop has been called and finished.
  void Wait();

  // Rebuilds the runtime from the config directory; on error the running one stays.
  Status Reload();

  // New outbox rows or timers were written from outside (a command, a benchmark): wake the
  // senders and the timer runner instead of waiting for their next pass. The API's writes call it.
  void Enqueued();

  int port() const { return server_ ? server_->port() : 0; }
  int metrics_port() const { return server_ ? server_->metrics_port() : 0; }
  std::shared_ptr<const Runtime> runtime() const { return std::atomic_load(&runtime_); }
  // What /readyz adds to "ready": the channel count and warnings an operator must act on.
  nlohmann::json ReadinessDetail(int64_t now_s) const;
  Store* store() { return store_.get(); }
  Metrics* metrics() { return &metrics_; }

 private:
  explicit Gateway(GatewayOptions options);

  GatewayOptions options_;
  std::unique_ptr<HttpClient> owned_http_;
  AdapterEnv env_;
  std::shared_ptr<const Runtime> runtime_;  // accessed with std::atomic_load/store
  std::unique_ptr<Store> store_;
  Metrics metrics_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<workflow::TimerRunner> timers_;
  std::unique_ptr<workflow::WorkflowHandler> workflow_;
  std::unique_ptr<WorkerLoop> janitor_;
  std::unique_ptr<WebhookIngest> webhooks_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::mutex stop_mu_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace gridrelay
