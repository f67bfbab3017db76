// Gateway: the running server. Owns the store, the HTTP server, the group committer, the
// inbox and the dispatcher, and the current Runtime (config + adapters + intent engine),
// which Reload swaps atomically.
//
// Data flow (shared/docs/architecture-and-style.md §1):
//   POST /webhook/<type>/<channel> -> adapter.ParseWebhook -> classify -> group commit
//   -> 200 (adapter.Acknowledge) -> Inbox: route, ticket + outbox -> Dispatcher -> adapter.Send
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/core/clock.h"
#include "gateway/core/http_client.h"
#include "gateway/dispatcher.h"
#include "gateway/group_commit.h"
#include "gateway/inbox.h"
#include "gateway/metrics.h"
#include "gateway/runtime.h"
#include "gateway/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace gridrelay {

struct GatewayOptions {
  std::filesystem::path config_dir = "config";
  ConfigOverrides overrides;
  const Clock* clock = nullptr;  // default: the system clock
  HttpClient* http = nullptr;    // default: cpp-httplib
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

  int port() const { return port_; }
  std::shared_ptr<const Runtime> runtime() const { return std::atomic_load(&runtime_); }
  Store* store() { return store_.get(); }
  Metrics* metrics() { return &metrics_; }

 private:
  explicit Gateway(GatewayOptions options);
  void InstallRoutes();
  void HandleWebhook(const std::string& type, const std::string& channel, const httplib::Request& req,
                     httplib::Response& res);
  // Returns the caller's token, or answers 401 and returns nullopt.
  std::optional<ApiToken> Authenticate(const httplib::Request& req, httplib::Response& res);

  GatewayOptions options_;
  std::unique_ptr<HttpClient> owned_http_;
  AdapterEnv env_;
  std::shared_ptr<const Runtime> runtime_;  // accessed with std::atomic_load/store
  std::unique_ptr<Store> store_;
  Metrics metrics_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listen_thread_;
  std::thread janitor_thread_;
  int port_ = 0;
  std::mutex stop_mu_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace gridrelay
