// Dispatcher: delivers the outbox. Sender threads lease the most urgent due rows (all of one
// channel per lease), pass the rate limits, hand each to its channel's adapter, and record the
// outcome:
//   sent                       -> status sent
//   transient error            -> retried after exponential backoff with jitter (capped at
//                                 backoff_max_ms), for as long as the row's retry horizon
//                                 (retry_horizon_seconds from its creation or last requeue) lasts
//   permanent error, or a
//   failure past the horizon   -> status dead, with the error, visible in the API and metrics;
//                                 POST /api/v1/outbox/retry puts dead rows back
// Delivery is at-least-once: a row is marked sent only after the adapter returned, so only a
// crash between the two can send it again, and every send carries the row's idempotency key.
// Delivery never blocks ingestion: it runs on its own threads and shares only the store.
// Each channel (one platform endpoint) may occupy at most channel_concurrency senders at once,
// so a slow platform cannot hold the senders that other channels need.
// Campaign rows never hold a sender against newer work: when rows are committed (Wake) while a
// sender works through a leased batch, it puts its campaign rows back unsent (not an attempt)
// and leases again, most urgent first; so a warning waits for at most one campaign send.
// When the store fails (a full disk), senders stop leasing and retry the store with their own
// backoff. Outcomes that could not be recorded are kept in memory and recorded before anything
// is leased again, so a row is never sent again before its normal retry time, however long the
// store stays down (only a crash before they are recorded can repeat a send).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
  // The longest last_error stored for a row (a receiver's answer can be anything).
  static constexpr size_t kMaxErrorBytes = 1024;
  // While outcomes wait to be recorded by another sender, how soon a sender looks again.
  static constexpr int64_t kFlushWaitMicros = 50'000;

  Dispatcher(OutboxStore* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, DeliveryOptions options,
             LogFn log);
  ~Dispatcher();

  void Start();
  // Finishes the sends in flight, then returns.
  void Stop();
  // New rows are due: wake a sender, and make senders put back the campaign rows they hold.
  void Wake();
  // Outcomes waiting for the store to record them (for tests and metrics).
  size_t unrecorded() const;

 private:
  // One pass of sender `worker`; returns when to run the next.
  int64_t Step(int worker);
  // After a store error: the time until which no sender touches the store.
  // REQUIRES: store_mu_ held.
  int64_t StoreBackoffLocked(const Status& error);
  // Records the outcomes kept after a store failure. Ok when there were none or they are
  // recorded now; otherwise the time before which no sender may lease (a backoff, or another
  // sender is recording them).
  std::optional<int64_t> FlushUnrecorded();
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
  mutable std::mutex store_mu_;
  int store_failures_ = 0;          // consecutive; guarded by store_mu_
  int64_t store_retry_at_ = 0;      // guarded by store_mu_
  std::vector<OutboxOutcome> unrecorded_;  // sent or tried, not yet recorded; guarded by store_mu_
  bool flushing_ = false;           // a sender is recording unrecorded_; guarded by store_mu_
  std::mutex held_mu_;              // held across a lease, so that two leases never overfill a channel
  std::unordered_map<std::string, int> held_;  // channel -> senders holding its rows; guarded by held_mu_
  std::atomic<uint64_t> wakes_{0};  // Wake() calls so far: a sender that sees it move yields its campaign rows
  WorkerLoop loop_;
};

}  // namespace gridrelay
