#include "gateway/gateway.h"

#include "gateway/core/time_units.h"
#include "gateway/workflow/calendar.h"
#include "util/http_client.h"
#include "util/log.h"

namespace gridrelay {

Gateway::Gateway(GatewayOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayOptions options) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(options)));
  GatewayOptions& o = g->options_;
  if (!o.clock) o.clock = &SystemClock::Get();
  if (!o.http) {
    g->owned_http_ = std::make_unique<HttplibClient>();
    o.http = g->owned_http_.get();
  }
  if (!o.log) o.log = JsonLogger();
  if (!o.store_factory) o.store_factory = OpenStore;
  g->env_ = AdapterEnv{o.http, o.clock, o.log};
  auto rt = BuildRuntime(o.config_dir, o.overrides, BuiltinAdapters(), g->env_);
  if (!rt.ok()) return rt.status();
  g->runtime_ = *rt;
  const Config& config = g->runtime_->config;
  if (!IsLoopbackHost(config.server.host)) {
    auto demo = ChannelsWithDemoSecrets(config);
    if (!demo.empty())
      return Status::FailedPrecondition("refusing to listen on " + config.server.host + ": channel '" + demo.front() +
                                        "' still has a secret shipped with the demo config; set your own secrets first");
  }
  const std::string url = o.store_url.empty()
                              ? "sqlite:" + (std::filesystem::path(config.store.data_dir) / "gridrelay.db").string()
                              : o.store_url;
  auto store = o.store_factory(url);
  if (!store.ok()) return store.status();
  g->store_ = std::move(*store);

  Gateway* self = g.get();
  auto current = [self] { return self->runtime(); };
  g->dispatcher_ = std::make_unique<Dispatcher>(g->store_.get(), o.clock, &g->metrics_, current, config.delivery, o.log);
  g->timers_ = std::make_unique<workflow::TimerRunner>(g->store_.get(), o.clock, &g->metrics_, current, o.log,
                                                       [self] { self->dispatcher_->Wake(); });
  g->workflow_ = std::make_unique<workflow::WorkflowHandler>(g->store_.get(), o.clock);
  g->inbox_ = std::make_unique<Inbox>(
      g->store_.get(), o.clock, &g->metrics_, current, config.processing, o.log,
      [self] {
        self->dispatcher_->Wake();
        self->timers_->Wake();  // a plan may have scheduled a timer
      },
      std::vector<MessageHandler*>{g->workflow_.get()});
  g->committer_ = std::make_unique<GroupCommitter>(g->store_.get(), o.clock, config.store.group_commit_max_batch,
                                                   [self] {
                                                     self->inbox_->Wake();
                                                     self->dispatcher_->Wake();
                                                   });
  // Forgets dedup keys older than the window, hourly.
  g->janitor_ = std::make_unique<WorkerLoop>("janitor", o.clock, 1, [self](int) {
    const Clock* clock = self->options_.clock;
    const int64_t window = self->runtime()->config.store.dedup_window_days * kMicrosPerDay;
    if (Status s = self->store_->PurgeDedupKeys(clock->NowMicros() - window); !s.ok() && self->options_.log)
      self->options_.log("warn", "could not purge old dedup keys", {{"error", s.ToString()}});
    return clock->NowMicros() + kMicrosPerHour;
  });
  g->webhooks_ = std::make_unique<WebhookIngest>(o.clock, current, g->committer_.get(), &g->metrics_, o.log);
  g->api_ = std::make_unique<Api>(
      ApiDeps{g->store_.get(), o.clock, current, [self] { return self->Reload(); }, [self] { self->Enqueued(); }});
  g->server_ = std::make_unique<HttpServer>(
      config.server, ServerHandlers{g->webhooks_.get(), g->api_.get(), g->store_.get(), &g->metrics_,
                                    [self, clock = o.clock] { return self->ReadinessDetail(clock->NowSeconds()); },
                                    o.log});
  return g;
}

Gateway::~Gateway() { Stop(); }

nlohmann::json Gateway::ReadinessDetail(int64_t now_s) const {
  std::shared_ptr<const Runtime> rt = runtime();
  nlohmann::json warnings = nlohmann::json::array();
  // A month ahead: the longest resolution deadline (15 working days) must not count past it.
  for (int year : rt->calendar->MissingYears(now_s, now_s + int64_t{31} * 86400))
    warnings.push_back(workflow::MissingYearWarning(year));
  return {{"channels", rt->adapters.size()}, {"warnings", std::move(warnings)}};
}

Status Gateway::Start() {
  GR_RETURN_IF_ERROR(server_->Start());
  committer_->Start();
  inbox_->Start();
  dispatcher_->Start();
  timers_->Start();
  janitor_->Start();
  {
    std::lock_guard lock(stop_mu_);
    started_ = true;
  }
  const Config& config = runtime()->config;
  options_.log("info", "gridrelay listening",
               {{"host", config.server.host}, {"port", port()}, {"data_dir", config.store.data_dir},
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
  options_.log("info", "stopping: draining in-flight work", {});
  server_->Stop();      // stop accepting; requests in flight finish (they wait on their commit)
  committer_->Stop();   // commits whatever is queued
  inbox_->Stop();
  timers_->Stop();
  dispatcher_->Stop();  // finishes sends in flight
  janitor_->Stop();
  {
    std::lock_guard lock(stop_mu_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
  options_.log("info", "stopped", {});
}

void Gateway::Enqueued() {
  dispatcher_->Wake();
  timers_->Wake();
}

void Gateway::Wait() {
  std::unique_lock lock(stop_mu_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

Status Gateway::Reload() {
  auto rt = BuildRuntime(options_.config_dir, options_.overrides, BuiltinAdapters(), env_);
  if (!rt.ok()) {
    metrics_.Inc(metric::kReloads, {{"result", "error"}});
    options_.log("error", "reload rejected: the running config stays", {{"error", rt.status().ToString()}});
    return rt.status();
  }
  std::atomic_store(&runtime_, *rt);
  metrics_.Inc(metric::kReloads, {{"result", "ok"}});
  options_.log("info", "config reloaded", {});
  return Status::Ok();
}

}  // namespace gridrelay
