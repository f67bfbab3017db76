#include "gateway/ingest/group_commit.h"

#include <vector>

namespace gridrelay {

GroupCommitter::GroupCommitter(InboxStore* store, const Clock* clock, int max_batch, std::function<void()> on_commit)
    : store_(store),
      clock_(clock),
      max_batch_(max_batch),
      on_commit_(std::move(on_commit)),
      loop_("group-commit", clock, 1, [this](int) {
        // More waiting: go again at once; else sleep until Submit wakes us.
        return CommitBatch() > 0 ? 0 : WorkerLoop::kIdle;
      }) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Start() {
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  loop_.Start();
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
  }
  loop_.Stop();
  while (CommitBatch() > 0) {
  }  // what was queued before Stop is committed, never dropped
}

StatusOr<IngestResult> GroupCommitter::Submit(IngestItem item) {
  std::future<StatusOr<IngestResult>> done;
  {
    std::lock_guard lock(mu_);
    if (!accepting_) return Status::Unavailable("the gateway is shutting down");
    queue_.push_back(Pending{std::move(item), {}});
    done = queue_.back().done.get_future();
  }
  loop_.Wake();
  return done.get();
}

size_t GroupCommitter::CommitBatch() {
  std::vector<Pending> batch;
  {
    std::lock_guard lock(mu_);
    // Take everything that is waiting (up to max_batch): they share one fsync.
    while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (batch.empty()) return 0;
  std::vector<IngestItem> items;
  items.reserve(batch.size());
  for (auto& p : batch) items.push_back(std::move(p.item));
  auto results = store_->Ingest(items, clock_->NowMicros());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results.ok()) {
      batch[i].done.set_value((*results)[i]);
    } else {
      batch[i].done.set_value(results.status());
    }
  }
  if (results.ok() && on_commit_) on_commit_();
  return batch.size();
}

}  // namespace gridrelay
