#include "gateway/group_commit.h"

#include <vector>

namespace gridrelay {

GroupCommitter::GroupCommitter(Store* store, const Clock* clock, int max_batch, std::function<void()> on_commit)
    : store_(store), clock_(clock), max_batch_(max_batch), on_commit_(std::move(on_commit)) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StatusOr<IngestResult> GroupCommitter::Submit(IngestItem item) {
  std::future<StatusOr<IngestResult>> done;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) return Status::Unavailable("the gateway is shutting down");
    queue_.push_back(Pending{std::move(item), {}});
    done = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return done.get();
}

void GroupCommitter::Run() {
  std::vector<Pending> batch;
  std::vector<IngestItem> items;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Take everything that is waiting (up to max_batch): they share one fsync.
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    items.clear();
    for (auto& p : batch) items.push_back(std::move(p.item));
    auto results = store_->Ingest(items, clock_->NowMicros());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (results.ok()) {
        batch[i].done.set_value((*results)[i]);
      } else {
        batch[i].done.set_value(results.status());
      }
    }
    batch.clear();
    if (results.ok() && on_commit_) on_commit_();
  }
}

}  // namespace gridrelay
