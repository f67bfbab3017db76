// GroupCommitter: durable ingest at speed. Webhook threads Submit a message and block until
// the batch holding it is committed (one transaction and one fsync for every message that
// was waiting), so a 200 always means "on disk" without paying an fsync per request.
//
// Thread-safe. Stop() commits what is queued, then refuses new work with kUnavailable.
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <mutex>

#include "gateway/core/clock.h"
#include "gateway/store/store.h"
#include "util/worker_loop.h"

namespace gridrelay {

class GroupCommitter {
 public:
  // `on_commit` runs on the committer thread after every successful batch (wakes the inbox).
  GroupCommitter(InboxStore* store, const Clock* clock, int max_batch, std::function<void()> on_commit);
  ~GroupCommitter();

  void Start();
  void Stop();

  // Blocks until `item` is committed (or found to be a duplicate) or the commit failed.
  StatusOr<IngestResult> Submit(IngestItem item);

 private:
  struct Pending {
    IngestItem item;
    std::promise<StatusOr<IngestResult>> done;
  };
  // Commits one batch of what is waiting; returns how many items it took.
  size_t CommitBatch();

  InboxStore* store_;
  const Clock* clock_;
  const int max_batch_;
  std::function<void()> on_commit_;
  std::mutex mu_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool accepting_ = false;     // guarded by mu_
  WorkerLoop loop_;
};

}  // namespace gridrelay
