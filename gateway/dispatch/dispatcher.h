// Dispatcher: delivers the outbox. Sender threads lease the most urgent due row, pass the
// rate limits, hand it to its channel's adapter, and record the outcome:
//   sent                       -> status sent
//   transient error            -> retried after exponential backoff with jitter
//   permanent error, or the
//   last allowed attempt fails -> status dead, with the error, visible in the API and metrics
// Delivery is at-least-once: a row is marked sent only after the adapter returned, so only a
// crash between the two can send it again, and every send carries the row's idempotency key.
// Delivery never blocks ingestion: it runs on its own threads and shares only the store.
// When the store fails (a full disk), senders stop leasing and retry the store with their own
// backoff; a row whose outcome could not be recorded keeps its lease, so it is not sent again
// before the lease ends.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/core/clock.h"
#include "gateway/dispatch/rate_limiter.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "util/metrics.h"
#include "util/worker_loop.h"

namespace gridrelay {

// The delay before attempt `attempt + 1` after `attempt` failed (attempt >= 1): exponential
// from backoff_initial_ms, capped at backoff_max_ms, with "equal jitter" (half fixed, half
// random, `jitter01` in [0, 1)) so that retries from many rows do not arrive together.
int64_t BackoffMicros(int attempt, const DeliveryOptions& options, double jitter01);

class Dispatcher {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;
  using LogFn = std::function<void(std::string_view level, std::string_view msg, const nlohmann::json& fields)>;

  // Rows leased per store transaction. Small, so that a slow destination holds few rows.
  static constexpr int kLeaseBatch = 8;

  Dispatcher(OutboxStore* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, DeliveryOptions options,
             LogFn log);
  ~Dispatcher();

  void Start();
  // Finishes the sends in flight, then returns.
  void Stop();
  // New rows are due: wake a sender.
  void Wake();

 private:
  // One pass of sender `worker`; returns when to run the next.
  int64_t Step(int worker);
  // After a store error: the time until which no sender touches the store.
  int64_t StoreBackoff(const Status& error);
  // Sends one leased row (or defers it for a rate limit) and says what happened.
  OutboxOutcome DeliverOne(OutboxEntry& entry, const Runtime& rt, std::mt19937& rng);

  OutboxStore* store_;
  const Clock* clock_;
  Metrics* metrics_;
  RuntimeFn runtime_;
  const DeliveryOptions options_;
  LogFn log_;
  RateLimiter limiter_;
  std::mutex reservations_mu_;
  std::unordered_map<int64_t, int64_t> reservations_;  // outbox id -> its reserved send time
  std::vector<std::mt19937> rngs_;  // one per sender
  std::mutex store_mu_;
  int store_failures_ = 0;          // consecutive; guarded by store_mu_
  int64_t store_retry_at_ = 0;      // guarded by store_mu_
  WorkerLoop loop_;
};

}  // namespace gridrelay
