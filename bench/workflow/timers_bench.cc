// Deadline timers at scale (issue 9's benchmark): 100,000 open tickets whose response deadline
// has lapsed, fired by the real TimerRunner on a real SQLite file with the shipped config. Each
// firing reads the ticket and its history, reads the clock again, and commits the escalation:
// the ticket update, its event, two staff notifications and the two timers re-planned.
//
// The baseline, in the same run and on the same kind of file: committing 100,000 bare outbox
// rows in the runner's batches of 64, the least any firing writes. The target is 1,000 firings
// a second.
//
//   timers_bench [CONFIG_DIR] [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/open_store.h"
#include "gateway/workflow/ticket_clock.h"
#include "gateway/workflow/timer_runner.h"

using namespace gridrelay;

namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int kBatch = 64;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::unique_ptr<Store> Open(const std::filesystem::path& file) {
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");
  auto store = OpenStore("sqlite:" + file.string());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*store);
}

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path config = argc > 1 ? argv[1] : "config";
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  AdapterEnv env;
  auto rt = BuildRuntime(config, {}, BuiltinAdapters(), env);
  if (!rt.ok()) {
    std::fprintf(stderr, "%s\n", rt.status().ToString().c_str());
    return 1;
  }
  const auto dir = std::filesystem::temp_directory_path() / "gridrelay-timers-bench";
  std::filesystem::create_directories(dir);
  const int64_t t0 = *workflow::ParseIsoTime("2026-03-09T09:00:00+08:00") * kSecond;

  // Baseline: bare outbox rows, committed 64 to a transaction.
  double baseline_rate = 0;
  {
    auto store = Open(dir / "baseline.db");
    const auto start = std::chrono::steady_clock::now();
    for (int done = 0; done < n; done += kBatch) {
      std::vector<ChangeSet> batch;
      for (int i = done; i < std::min(n, done + kBatch); ++i) {
        ChangeSet c;
        OutboxEntry e;
        e.message.channel = "staff-log";
        e.message.kind = outbound_kind::kStaffNotify;
        e.message.audience = Audience::kUser;
        e.message.user_id = "c-sun";
        e.message.text = "【升级督办】工单#" + std::to_string(i);
        e.message.idempotency_key = "bench:" + std::to_string(i);
        c.outbox.push_back(std::move(e));
        batch.push_back(std::move(c));
      }
      Check(store->Apply(batch, t0).status(), "baseline apply");
    }
    baseline_rate = n / Seconds(start);
  }

  // 100,000 tickets dispatched at t0, each with its two deadline timers.
  auto store = Open(dir / "timers.db");
  {
    auto first = store->ReserveTicketIds(n);
    Check(first.status(), "reserve");
    for (int done = 0; done < n; done += 1000) {
      // Each ticket stands on its message, as after ingest.
      std::vector<IngestItem> items;
      for (int i = done; i < std::min(n, done + 1000); ++i) {
        IngestItem item;
        item.message.channel = "demo";
        item.message.dedup_key = item.message.platform_msg_id = "bench-" + std::to_string(i);
        item.message.group_id = "grid-demo-1";
        item.message.sender_id = "u" + std::to_string(i);
        item.message.text = "楼上装修噪音";
        item.classification.category = "appeal";
        item.classification.intent = "appeal.noise";
        items.push_back(std::move(item));
      }
      auto ingested = store->Ingest(items, t0);
      Check(ingested.status(), "seed ingest");
      std::vector<ChangeSet> batch;
      for (int i = done; i < std::min(n, done + 1000); ++i) {
        ChangeSet c;
        Ticket t;
        t.id = *first + i;
        t.message_id = (*ingested)[static_cast<size_t>(i - done)].message_id;
        c.messages.push_back({t.message_id, MessageState::kReceived, MessageState::kProcessed, "bench", t.id});
        t.channel = "demo";
        t.group_id = "grid-demo-1";
        t.grid_id = "grid-hexie-1";
        t.community_id = "comm-hexie";
        t.street_id = "street-east";
        t.sender_id = "u" + std::to_string(i);
        t.category = "appeal";
        t.intent = "appeal.noise";
        t.status = TicketStatus::kDispatched;
        t.level = "grid";
        t.assignee_kind = "staff";
        t.assignee_id = "w-wang";
        t.assignee_name = "王芳";
        t.text = "楼上装修噪音";
        const workflow::StatusChange dispatched{t0 / kSecond, TicketStatus::kDispatched, std::nullopt};
        auto clocks = workflow::PlanClocks(*(*rt)->calendar, *(*rt)->deadlines, &t, std::span(&dispatched, 1), t0);
        Check(clocks.status(), "plan clocks");
        c.schedule_timers = std::move(clocks->schedule);
        c.events.push_back({0, t.id, t0, "system", "dispatched", {{"level", "grid"}}});
        c.new_tickets.push_back(std::move(t));
        batch.push_back(std::move(c));
      }
      Check(store->Apply(batch, t0).status(), "seed apply");
    }
  }

  // Past every response deadline (2 working hours), before any resolution deadline (7 days).
  ManualClock clock(t0 + 3 * 3600 * kSecond);
  Metrics metrics;
  std::shared_ptr<const Runtime> runtime = *rt;
  workflow::TimerRunner runner(store.get(), &clock, &metrics, [&] { return runtime; }, nullptr, nullptr);
  const auto start = std::chrono::steady_clock::now();
  int64_t fired = 0;
  while (true) {
    auto f = runner.FireDue();
    Check(f.status(), "fire");
    if (*f == 0) break;
    fired += *f;
  }
  const double seconds = Seconds(start);
  auto counts = store->Counts();
  Check(counts.status(), "counts");
  std::printf("timers: %d tickets, %lld deadline timers fired (escalated to community) in %.2f s\n", n,
              static_cast<long long>(fired), seconds);
  std::printf("  firing rate:   %.0f /s  (target 1,000 /s: %.1fx)\n", fired / seconds, fired / seconds / 1000.0);
  std::printf("  bare outbox:   %.0f rows/s in batches of %d\n", baseline_rate, kBatch);
  std::printf("  ratio:         %.3f of the bare outbox rate\n", fired / seconds / baseline_rate);
  int64_t outbox = 0;
  for (const auto& [status, c] : counts->outbox_by_status) outbox += c;
  std::printf("  outbox rows written: %lld\n", static_cast<long long>(outbox));
  std::filesystem::remove_all(dir);
  return fired == n ? 0 : 1;
}
