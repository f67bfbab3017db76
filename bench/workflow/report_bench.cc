// The cost of GET /api/v1/stats over 1,000,000 tickets (issue 8's benchmark): the store's
// ReportRows plus the aggregation (workflow::BuildReport, what the route calls), grouped by
// grid and by intent, against two baselines on the same rows in the same run:
//   count: SELECT COUNT(*) over the window (SQLite's floor: the index alone)
//   read:  ReportRows with a callback that only counts (the store read without aggregation)
//
// The SQLite file is built once with batched Ingest and Apply and reused while it holds the
// expected number of tickets (delete it to rebuild):
//
//   report_bench [--db FILE] [--tickets N] [--calendar config/calendar.yaml] [google benchmark flags]
// With --calendar the report also counts the working-time figures, as the route does.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gateway/store/open_store.h"
#include "gateway/workflow/report.h"

namespace {

using namespace gridrelay;

constexpr int64_t kHour = 3600LL * 1'000'000;
constexpr int64_t kStart = 1'790'000'000'000'000;  // 2026-09-22, the first ticket
constexpr int64_t kSpan = 90 * 24 * kHour;         // tickets spread over 90 days
constexpr int kGrids = 400, kCommunities = 40, kTeams = 20, kIntents = 30;

std::string g_db = "report-1m.db";
int64_t g_tickets = 1'000'000;
std::unique_ptr<Store> g_store;
std::unique_ptr<workflow::Calendar> g_calendar;  // --calendar: working-time figures too

uint64_t Next(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// Ticket i of the synthetic district: a spread of grids, intents and statuses, with the times
// and deadlines a month of real work leaves behind.
Ticket MakeTicket(int64_t id, int64_t message_id, uint64_t& x) {
  Ticket t;
  t.id = id;
  t.message_id = message_id;
  t.channel = "demo";
  t.group_id = "g" + std::to_string(Next(x) % 2000);
  const int grid = static_cast<int>(Next(x) % kGrids);
  t.grid_id = "grid-" + std::to_string(grid);
  t.community_id = "c-" + std::to_string(grid % kCommunities);
  t.street_id = "s-" + std::to_string(grid % 8);
  t.team_id = Next(x) % 10 < 3 ? "team-" + std::to_string(Next(x) % kTeams) : "";
  t.category = "appeal";
  t.intent = "appeal.i" + std::to_string(Next(x) % kIntents);
  t.level = "grid";
  t.assignee_kind = "staff";
  t.assignee_id = "w-" + std::to_string(grid);
  t.text = "楼道灯坏了";
  t.created_at = kStart + static_cast<int64_t>(Next(x) % static_cast<uint64_t>(kSpan));
  t.response_due_at = t.created_at + 2 * kHour;
  t.resolve_due_at = t.created_at + 72 * kHour;
  const int roll = static_cast<int>(Next(x) % 100);
  const int64_t accepted = t.created_at + static_cast<int64_t>(Next(x) % static_cast<uint64_t>(4 * kHour));
  const int64_t resolved = accepted + static_cast<int64_t>(Next(x) % static_cast<uint64_t>(96 * kHour));
  if (roll < 8) {
    t.status = TicketStatus::kDispatched;
  } else if (roll < 18) {
    t.status = TicketStatus::kInProgress;
    t.accepted_at = accepted;
  } else if (roll < 23) {
    t.status = TicketStatus::kRejected;
  } else if (roll < 26) {
    t.status = TicketStatus::kMerged;
    t.merged_into = id - 1;
  } else {
    t.status = roll < 40 ? TicketStatus::kResolved : TicketStatus::kClosed;
    t.accepted_at = accepted;
    t.resolved_at = resolved;
    if (t.status == TicketStatus::kClosed) {
      t.closed_at = resolved + kHour;
      const int answer = static_cast<int>(Next(x) % 10);
      t.satisfaction = answer < 7 ? "satisfied" : answer < 8 ? "unsatisfied" : "no_answer";
    }
  }
  return t;
}

int64_t CountTickets(Store& store) {
  auto counts = store.Counts();
  if (!counts.ok()) return -1;
  int64_t n = 0;
  for (const auto& [status, c] : counts->tickets_by_status) n += c;
  return n;
}

// Opens the file, building it first when it does not hold g_tickets tickets.
bool OpenOrBuild() {
  auto store = OpenStore("sqlite:" + g_db);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return false;
  }
  if (CountTickets(**store) == g_tickets) {
    g_store = std::move(*store);
    return true;
  }
  store->reset();
  std::filesystem::remove(g_db);
  std::filesystem::remove(g_db + "-wal");
  std::filesystem::remove(g_db + "-shm");
  store = OpenStore("sqlite:" + g_db);
  if (!store.ok()) return false;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t x = 0x9E3779B97F4A7C15ull;
  constexpr int64_t kBatch = 20'000;
  for (int64_t done = 0; done < g_tickets; done += kBatch) {
    const int64_t n = std::min(kBatch, g_tickets - done);
    std::vector<IngestItem> items(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      InboundMessage& m = items[static_cast<size_t>(i)].message;
      m.channel = "demo";
      m.dedup_key = m.platform_msg_id = "b" + std::to_string(done + i);
      m.group_id = "g1";
      m.sender_id = "u1";
      m.text = "楼道灯坏了";
    }
    auto ingested = (*store)->Ingest(items, kStart);
    auto first = (*store)->ReserveTicketIds(static_cast<int>(n));
    if (!ingested.ok() || !first.ok()) return false;
    std::vector<ChangeSet> changes(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      changes[static_cast<size_t>(i)].new_tickets.push_back(
          MakeTicket(*first + i, ingested->at(static_cast<size_t>(i)).message_id, x));
    if (!(*store)->Apply(changes, kStart + kSpan).ok()) return false;
  }
  std::fprintf(stderr, "built %lld tickets in %s in %.0f s\n", static_cast<long long>(g_tickets), g_db.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  g_store = std::move(*store);
  return CountTickets(*g_store) == g_tickets;
}

// Every ticket is inside the window; `now` is a day after the last one.
constexpr workflow::ReportWindow kWindow{kStart, kStart + kSpan};
constexpr int64_t kNow = kStart + kSpan + 24 * kHour;

void BM_Count(benchmark::State& state) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(g_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ?", -1, &s, nullptr);
  int64_t rows = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(s, 1, kWindow.from);
    sqlite3_bind_int64(s, 2, kWindow.to);
    sqlite3_step(s);
    rows = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  state.counters["rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * rows);
}

void BM_Read(benchmark::State& state) {
  int64_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    Status s = g_store->ReportRows(kWindow.from, kWindow.to, std::nullopt, [&](const ReportRow&) { ++rows; });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * rows);
}

void BM_Report(benchmark::State& state, workflow::ReportGroupBy by) {
  int64_t rows = 0;
  size_t groups = 0;
  for (auto _ : state) {
    auto r = workflow::BuildReport(*g_store, by, kWindow, std::nullopt, kNow, g_calendar.get());
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    rows = r->total.total + r->total.merged;
    groups = r->groups.size();
    benchmark::DoNotOptimize(r->total.response_rate);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["groups"] = static_cast<double>(groups);
  state.SetItemsProcessed(state.iterations() * rows);
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags first; the rest go to Google Benchmark.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--db") && i + 1 < argc) {
      g_db = argv[++i];
    } else if (!std::strcmp(argv[i], "--calendar") && i + 1 < argc) {
      auto cal = workflow::Calendar::Load(argv[++i]);
      if (!cal.ok()) {
        std::fprintf(stderr, "%s\n", cal.status().ToString().c_str());
        return 1;
      }
      g_calendar = std::make_unique<workflow::Calendar>(std::move(*cal));
    } else if (!std::strcmp(argv[i], "--tickets") && i + 1 < argc) {
      g_tickets = std::atoll(argv[++i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!OpenOrBuild()) {
    std::fprintf(stderr, "could not build %s\n", g_db.c_str());
    return 1;
  }
  benchmark::RegisterBenchmark("baseline/count", BM_Count)->Unit(benchmark::kMillisecond)->MinTime(2.0);
  benchmark::RegisterBenchmark("baseline/read", BM_Read)->Unit(benchmark::kMillisecond)->MinTime(2.0);
  benchmark::RegisterBenchmark("stats/grid", BM_Report, workflow::ReportGroupBy::kGrid)
      ->Unit(benchmark::kMillisecond)
      ->MinTime(2.0);
  benchmark::RegisterBenchmark("stats/intent", BM_Report, workflow::ReportGroupBy::kIntent)
      ->Unit(benchmark::kMillisecond)
      ->MinTime(2.0);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_store.reset();
  return 0;
}
