// Tests for what is particular to the SQLite engine (everything common to engines is in the
// conformance suite, conformance_test.cc): reopening, migrating a version-1 file, and the
// guarantee that no durable commit ever runs without synchronous=FULL.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "gateway/store/sqlite/sqlite_store.h"
#include "gateway/store/testing/conformance_util.h"
#include "tests/support/temp_dir.h"

namespace gridrelay::testing {
namespace {

using conformance::Item;
using conformance::kSecond;
using conformance::kT0;
using conformance::Row;

struct TempStore {
  TempStore() : dir(MakeTempDir("gridrelay-store")) { Open(); }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void Open() {
    store.reset();
    auto s = SqliteStore::Open(dir / "t.db");
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = std::move(*s);
  }
  std::filesystem::path dir;
  std::unique_ptr<SqliteStore> store;
};

}  // namespace

TEST_SUITE("sqlite store") {
  TEST_CASE("the schema is versioned and what was committed survives a reopen") {
    TempStore t;
    auto r = t.store->Ingest({Item("demo", "a")}, kT0);
    REQUIRE(r.ok());
    t.Open();
    auto m = t.store->GetMessage(r->at(0).message_id);
    REQUIRE(m.ok());
    CHECK(m->has_value());
    CHECK(SqliteStore::SchemaVersion() >= 2);
  }

  TEST_CASE("a version-1 file migrates forward: tickets keep their ids and new ids follow them") {
    TempStore t;
    t.store.reset();
    // Roll the file back to what version 1 wrote: none of version 3's closed-loop columns, no
    // version column, no sequence, no timers, no campaigns, no warnings.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((t.dir / "t.db").c_str(), &db) == SQLITE_OK);
    std::string downgrade =
        "DROP INDEX tickets_assignee; DROP INDEX tickets_team; DROP INDEX tickets_created;"
        "ALTER TABLE api_tokens DROP COLUMN scope; ALTER TABLE outbox DROP COLUMN retry_from;"
        "DROP TABLE campaigns; DROP INDEX outbox_campaign; ALTER TABLE outbox DROP COLUMN campaign_id;"
        "DROP INDEX messages_ticket; DROP INDEX messages_sender; DROP TABLE corrections; DROP TABLE warnings;"
        "DROP INDEX tickets_grid_category; DROP INDEX tickets_staff_load; DROP INDEX outbox_batched;";
    for (const char* column : {"community_id", "street_id", "supervised", "team_id", "bounces", "reason", "satisfaction",
                               "accepted_at", "resolved_at", "closed_at", "response_due_at", "resolve_due_at",
                               "merged_into", "reporters", "visit_outcome", "first_contact_at"})
      downgrade += std::string("ALTER TABLE tickets DROP COLUMN ") + column + ";";
    downgrade +=
        "DROP TABLE timers; DROP TABLE id_sequences; ALTER TABLE tickets DROP COLUMN version;"
        "UPDATE schema_version SET version = 1;"
        "INSERT INTO messages (id, channel, dedup_key, chat_type, sender_role, text, received_at, state)"
        " VALUES (41, 'demo', 'old', 'group', 'resident', 'x', 1, 'processed');"
        "INSERT INTO tickets (id, message_id, channel, group_id, grid_id, sender_id, sender_name, category, intent,"
        " urgent, status, level, assignee_kind, assignee_id, assignee_name, text, created_at, updated_at)"
        " VALUES (41, 41, 'demo', 'g1', 'grid-a', 'u', '', 'appeal', 'appeal.other', 0, 'dispatched', 'grid', 'staff',"
        " 'w-a', '', 'x', 1, 1);";
    char* err = nullptr;
    REQUIRE_MESSAGE(sqlite3_exec(db, downgrade.c_str(), nullptr, nullptr, &err) == SQLITE_OK, (err ? err : ""));
    sqlite3_close(db);
    t.Open();
    auto old = t.store->GetTicket(41);
    REQUIRE(old.ok());
    REQUIRE(old->has_value());
    CHECK((*old)->version == 1);
    CHECK((*old)->reporters == 1);  // a ticket from before duplicates counts its one resident
    auto next = t.store->ReserveTicketIds(1);
    REQUIRE(next.ok());
    CHECK(*next == 42);
  }

  TEST_CASE("statements built per call are cached by their text, not by the address the text happened to have") {
    // ListTickets builds its SQL per call (the scope's IN lists vary). A grid scope and a team
    // scope give texts of the same length, which the allocator tends to place at the same
    // address; a cache keyed by address then ran the grid query for the team scope.
    TempStore t;
    for (const char* grid : {"grid-a", "grid-b"}) {
      const int64_t m = conformance::IngestOne(*t.store, grid);
      auto id = t.store->ReserveTicketIds(1);
      REQUIRE(id.ok());
      ChangeSet c = conformance::OpenTicket(m, *id);
      c.new_tickets[0].grid_id = grid;
      c.new_tickets[0].team_id = std::string(grid) == "grid-b" ? "team-b" : "";
      REQUIRE(t.store->Apply(c, kT0).ok());
    }
    for (int round = 0; round < 3; ++round) {
      TicketFilter by_grid;
      by_grid.scope = TicketScope{.grids = {"grid-a"}};
      auto a = t.store->ListTickets(by_grid);
      REQUIRE(a.ok());
      REQUIRE(a->size() == 1);
      CHECK(a->at(0).grid_id == "grid-a");
      TicketFilter by_team;
      by_team.scope = TicketScope{.teams = {"team-b"}};
      auto b = t.store->ListTickets(by_team);
      REQUIRE(b.ok());
      REQUIRE(b->size() == 1);
      CHECK(b->at(0).grid_id == "grid-b");
    }
  }

  TEST_CASE("a row whose outcome could not be recorded keeps its lease (no re-send before it ends)") {
    TempStore t;
    REQUIRE(t.store->Apply(conformance::WithOutbox({Row("r1")}), kT0).ok());
    const int64_t lease_end = kT0 + 60 * conformance::kSecond;
    auto leased = t.store->LeaseOutbox(kT0, 10, lease_end);
    REQUIRE(leased.ok());
    REQUIRE(leased->size() == 1);
    // Another connection holds the write lock, as a stuck or full disk would: recording fails.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open((t.dir / "t.db").c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    Status s = t.store->RecordOutcomes({{leased->at(0).message.id, OutboxOutcome::Kind::kSent, 1, 0, ""}}, kT0);
    CHECK(s.code() == StatusCode::kUnavailable);  // busy: retry later, not internal
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    // The row was sent, but its outcome is unknown to the store: it must not go out again
    // before its lease ends (the old engine released it at once: a re-send storm).
    auto again = t.store->LeaseOutbox(kT0 + conformance::kSecond, 10, lease_end + 60 * conformance::kSecond);
    REQUIRE(again.ok());
    CHECK(again->empty());
    auto after = t.store->LeaseOutbox(lease_end, 10, lease_end + 60 * conformance::kSecond);
    REQUIRE(after.ok());
    CHECK(after->size() == 1);
  }

  TEST_CASE("delivery bookkeeping never leaves a durable commit without fsync") {
    TempStore t;
    REQUIRE(t.store->Apply(conformance::WithOutbox({Row("r1")}), kT0).ok());
    auto leased = t.store->LeaseOutbox(kT0, 10, kT0 + 60 * conformance::kSecond);
    REQUIRE(leased.ok());
    REQUIRE(leased->size() == 1);
    const OutboxOutcome sent{leased->at(0).message.id, OutboxOutcome::Kind::kSent, 1, 0, ""};

    // Normal case: bookkeeping runs with NORMAL and FULL is back before anything else commits.
    REQUIRE(t.store->RecordOutcomes({sent}, kT0).ok());
    CHECK(t.store->TEST_WriterSynchronous() == 2);

    // If restoring FULL fails, durable commits refuse rather than commit without fsync...
    t.store->TEST_FailSyncRestore(true);
    REQUIRE(t.store->RecordOutcomes({sent}, kT0).ok());
    CHECK(t.store->TEST_WriterSynchronous() == 1);
    auto refused = t.store->Ingest({Item("demo", "during")}, kT0);
    CHECK(refused.status().code() == StatusCode::kUnavailable);
    CHECK(t.store->Apply(conformance::WithOutbox({Row("r2")}), kT0).code() == StatusCode::kUnavailable);
    CHECK(t.store->Ping().code() == StatusCode::kUnavailable);
    auto pending = t.store->PendingMessages(10);
    REQUIRE(pending.ok());
    CHECK(pending->empty());  // nothing was committed

    // ...and commit again, with FULL, once it can be restored.
    t.store->TEST_FailSyncRestore(false);
    auto ok = t.store->Ingest({Item("demo", "after")}, kT0);
    REQUIRE(ok.ok());
    CHECK(t.store->TEST_WriterSynchronous() == 2);
    CHECK(t.store->Ping().ok());
  }

  TEST_CASE("chat type and audience are stored by name, and a name the code does not know is a store error") {
    TempStore t;
    IngestItem item = Item("demo", "p1");
    item.message.chat_type = ChatType::kPrivate;
    item.message.group_id.clear();
    auto r = t.store->Ingest({item}, kT0);
    REQUIRE(r.ok());
    const int64_t message_id = r->at(0).message_id;
    OutboxEntry row = Row("to-user");
    row.message.audience = Audience::kUser;
    row.message.user_id = "u1";
    REQUIRE(t.store->Apply(conformance::WithOutbox({row}), kT0).ok());

    auto m = t.store->GetMessage(message_id);
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    CHECK((*m)->message.chat_type == ChatType::kPrivate);
    auto listed = t.store->ListOutbox(OutboxFilter{});
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK(listed->at(0).message.audience == Audience::kUser);

    // The columns hold the names (what the API shows and older files already have).
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((t.dir / "t.db").c_str(), &db) == SQLITE_OK);
    auto text_of = [&db](const char* sql) {
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
      REQUIRE(sqlite3_step(st) == SQLITE_ROW);
      std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      return v;
    };
    CHECK(text_of("SELECT chat_type FROM messages") == "private");
    CHECK(text_of("SELECT audience FROM outbox") == "user");
    const char* corrupt = "UPDATE messages SET chat_type = 'channel'; UPDATE outbox SET audience = 'everyone';";
    REQUIRE(sqlite3_exec(db, corrupt, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);

    auto bad_message = t.store->GetMessage(message_id);
    CHECK(bad_message.status().code() == StatusCode::kDataLoss);
    CHECK(t.store->PendingMessages(10).status().code() == StatusCode::kDataLoss);
    CHECK(t.store->ListOutbox(OutboxFilter{}).status().code() == StatusCode::kDataLoss);
    // A row that cannot be decoded is dead-lettered with the reason instead of failing every
    // lease (issue #13): the outbox goes on for the rows that can be sent.
    REQUIRE(t.store->Apply(conformance::WithOutbox({Row("good")}), kT0).ok());
    auto lease = t.store->LeaseOutbox(kT0 + kSecond, 10, kT0 + 30 * kSecond);
    REQUIRE(lease.ok());
    REQUIRE(lease->size() == 1);
    CHECK(lease->at(0).message.idempotency_key == "good");
    REQUIRE(sqlite3_open((t.dir / "t.db").c_str(), &db) == SQLITE_OK);
    CHECK(text_of("SELECT status FROM outbox WHERE audience = 'everyone'") == "dead");
    CHECK(text_of("SELECT last_error FROM outbox WHERE audience = 'everyone'").find("outbox.audience") !=
          std::string::npos);
    sqlite3_close(db);
    auto again = t.store->LeaseOutbox(kT0 + 60 * kSecond, 10, kT0 + 90 * kSecond);
    REQUIRE(again.ok());
    REQUIRE(again->size() == 1);  // the good row again (its lease ended), never the dead one
    CHECK(again->at(0).message.idempotency_key == "good");
  }
}

}  // namespace gridrelay::testing
