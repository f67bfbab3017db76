#include "gateway/gateway.h"

#include <httplib.h>

#include "gateway/http_client_impl.h"
#include "gateway/logging.h"
#include "gateway/sqlite_store.h"

namespace gridrelay {

Gateway::Gateway(GatewayOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayOptions options) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(options)));
  if (!g->options_.clock) g->options_.clock = &SystemClock::Get();
  if (!g->options_.http) {
    g->owned_http_ = std::make_unique<HttplibClient>();
    g->options_.http = g->owned_http_.get();
  }
  g->env_ = AdapterEnv{g->options_.http, g->options_.clock, JsonLogger()};
  auto rt = BuildRuntime(g->options_.config_dir, g->options_.overrides, BuiltinAdapters(), g->env_);
  if (!rt.ok()) return rt.status();
  g->runtime_ = *rt;
  const Config& config = g->runtime_->config;
  if (!IsLoopbackHost(config.server.host)) {
    auto demo = ChannelsWithDemoSecrets(config);
    if (!demo.empty())
      return Status::FailedPrecondition("refusing to listen on " + config.server.host + ": channel '" + demo.front() +
                                        "' still has a secret shipped with the demo config; set your own secrets first");
  }
  auto store = SqliteStore::Open(std::filesystem::path(config.store.data_dir) / "gridrelay.db");
  if (!store.ok()) return store.status();
  g->store_ = std::move(*store);
  Gateway* self = g.get();
  auto current = [self] { return self->runtime(); };
  g->dispatcher_ = std::make_unique<Dispatcher>(g->store_.get(), g->options_.clock, &g->metrics_, current,
                                                config.delivery, JsonLogger());
  g->inbox_ = std::make_unique<Inbox>(g->store_.get(), g->options_.clock, &g->metrics_, current, config.processing,
                                      JsonLogger(), [self] { self->dispatcher_->Wake(); });
  g->committer_ = std::make_unique<GroupCommitter>(g->store_.get(), g->options_.clock,
                                                   config.store.group_commit_max_batch, [self] {
                                                     self->inbox_->Wake();
                                                     self->dispatcher_->Wake();
                                                   });
  return g;
}

Gateway::~Gateway() { Stop(); }

Status Gateway::Start() {
  const ServerOptions& so = runtime()->config.server;
  server_ = std::make_unique<httplib::Server>();
  const int threads = so.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(static_cast<size_t>(so.keep_alive_max_count));
  server_->set_keep_alive_timeout(so.keep_alive_seconds);
  server_->set_read_timeout(so.read_timeout_seconds, 0);
  server_->set_write_timeout(so.read_timeout_seconds, 0);
  server_->set_payload_max_length(so.max_body_bytes);
  InstallRoutes();
  if (so.port == 0) {
    port_ = server_->bind_to_any_port(so.host);
  } else {
    port_ = server_->bind_to_port(so.host, so.port) ? so.port : -1;
  }
  if (port_ <= 0) return Status::Unavailable("cannot listen on " + so.host + ":" + std::to_string(so.port));
  committer_->Start();
  inbox_->Start();
  dispatcher_->Start();
  listen_thread_ = std::thread([this] { server_->listen_after_bind(); });
  janitor_thread_ = std::thread([this] {
    // Forgets dedup keys older than the window, hourly.
    std::unique_lock lock(stop_mu_);
    while (!stopped_cv_.wait_for(lock, std::chrono::hours(1), [this] { return stopped_; })) {
      lock.unlock();
      const int64_t window = int64_t{runtime()->config.store.dedup_window_days} * 86400 * 1000000;
      (void)store_->PurgeDedupKeys(options_.clock->NowMicros() - window);
      lock.lock();
    }
  });
  {
    std::lock_guard lock(stop_mu_);
    started_ = true;
  }
  Log("info", "gridrelay listening",
      {{"host", so.host}, {"port", port_}, {"data_dir", runtime()->config.store.data_dir},
       {"channels", runtime()->adapters.size()}});
  return Status::Ok();
}

void Gateway::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopped_ || !started_) {
      stopped_ = true;
      stopped_cv_.notify_all();
      return;
    }
  }
  Log("info", "stopping: draining in-flight work");
  server_->stop();  // stop accepting; requests in flight finish (they wait on their commit)
  if (listen_thread_.joinable()) listen_thread_.join();
  committer_->Stop();  // commits whatever is queued
  inbox_->Stop();
  dispatcher_->Stop();  // finishes sends in flight
  {
    std::lock_guard lock(stop_mu_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
  if (janitor_thread_.joinable()) janitor_thread_.join();
  Log("info", "stopped");
}

void Gateway::Wait() {
  std::unique_lock lock(stop_mu_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

Status Gateway::Reload() {
  auto rt = BuildRuntime(options_.config_dir, options_.overrides, BuiltinAdapters(), env_);
  if (!rt.ok()) {
    metrics_.Inc(metric::kReloads, {{"result", "error"}});
    Log("error", "reload rejected: the running config stays", {{"error", rt.status().ToString()}});
    return rt.status();
  }
  std::atomic_store(&runtime_, *rt);
  metrics_.Inc(metric::kReloads, {{"result", "ok"}});
  Log("info", "config reloaded");
  return Status::Ok();
}

}  // namespace gridrelay
