// The store conformance suite (gateway/store/testing/conformance.h), run on every engine this
// build has: each case runs on a fresh store. ctest names contain "conformance".
#include "gateway/store/testing/conformance.h"

#include <atomic>

#include "gateway/store/open_store.h"
#include "gateway/store/testing/fault_store.h"
#include "tests/support/temp_dir.h"

namespace gridrelay::testing {

// A fresh SQLite file per case, under one temporary directory removed at exit.
struct SqliteEngine {
  static std::unique_ptr<Store> Make() {
    static const std::filesystem::path dir = MakeTempDir("gridrelay-conformance");
    static std::atomic<int> n{0};
    auto s = OpenStore("sqlite:" + (dir / ("s" + std::to_string(n++) + ".db")).string());
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    return std::move(*s);
  }
};

// The fault-injecting wrapper with no fault switched on must be indistinguishable from its engine.
struct FaultStoreOverSqlite {
  static std::unique_ptr<Store> Make() { return std::make_unique<FaultStore>(SqliteEngine::Make()); }
};

TEST_SUITE("fault store") {
  TEST_CASE("conformance: injected write faults fail as a full disk would, and nothing reaches the engine") {
    FaultStore store(SqliteEngine::Make());
    store.FailWrites(true);
    CHECK(store.Ingest({conformance::Item("demo", "a")}, conformance::kT0).status().code() == StatusCode::kUnavailable);
    CHECK(store.Apply(conformance::WithOutbox({conformance::Row("r")}), conformance::kT0).code() == StatusCode::kUnavailable);
    CHECK(store.Ping().code() == StatusCode::kUnavailable);
    CHECK(store.refused_writes() == 2);
    store.FailWrites(false);
    auto pending = store.PendingMessages(10);
    REQUIRE(pending.ok());
    CHECK(pending->empty());
    CHECK(store.Ping().ok());
  }
}

}  // namespace gridrelay::testing

GR_STORE_CONFORMANCE(gridrelay::testing::SqliteEngine, gridrelay::testing::FaultStoreOverSqlite);
