#include <doctest/doctest.h>

#include "gateway/sqlite_store.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

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

IngestItem Item(const std::string& key, const std::string& text = "电梯坏了") {
  IngestItem item;
  item.message.channel = "demo";
  item.message.dedup_key = key;
  item.message.group_id = "g1";
  item.message.sender_id = "u1";
  item.message.text = text;
  item.message.attachments = {{"image", "https://example.invalid/a.jpg"}};
  item.classification.category = "appeal";
  item.classification.intent = "appeal.facilities";
  return item;
}

OutboxEntry Row(const std::string& key, int priority) {
  OutboxEntry e;
  e.message.channel = "demo";
  e.message.kind = outbound_kind::kGroupAck;
  e.message.group_id = "g1";
  e.message.text = "ok";
  e.message.idempotency_key = key;
  e.priority = priority;
  e.rate_key = "demo|group:g1";
  return e;
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("ingest stores a batch and reports duplicates by channel and key") {
    TempStore t;
    auto r = t.store->Ingest({Item("a"), Item("b"), Item("a")}, 1000);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK(!(*r)[0].duplicate);
    CHECK(!(*r)[1].duplicate);
    CHECK((*r)[2].duplicate);
    CHECK((*r)[2].message_id == (*r)[0].message_id);
    IngestItem other = Item("a");
    other.message.channel = "other";
    auto r2 = t.store->Ingest({other}, 1001);
    REQUIRE(r2.ok());
    CHECK(!(*r2)[0].duplicate);  // keys are unique per channel
    auto m = t.store->GetMessage((*r)[0].message_id);
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    CHECK((*m)->message.attachments.size() == 1);
    CHECK((*m)->classification.intent == "appeal.facilities");
    CHECK((*m)->state == "received");
  }

  TEST_CASE("dedup keys are forgotten after the window") {
    TempStore t;
    REQUIRE(t.store->Ingest({Item("k")}, 1000).ok());
    REQUIRE(t.store->PurgeDedupKeys(2000).ok());
    auto r = t.store->Ingest({Item("k")}, 3000);
    REQUIRE(r.ok());
    CHECK(!(*r)[0].duplicate);
  }

  TEST_CASE("completing a message is atomic and happens once") {
    TempStore t;
    auto r = t.store->Ingest({Item("a")}, 1000);
    REQUIRE(r.ok());
    const int64_t id = (*r)[0].message_id;
    ProcessingResult p;
    p.message_id = id;
    Ticket ticket;
    ticket.category = "appeal";
    ticket.intent = "appeal.facilities";
    ticket.status = "dispatched";
    ticket.grid_id = "grid-a";
    p.ticket = ticket;
    p.events.push_back({0, 0, 0, "system", "created", {}});
    int64_t seen_ticket = -1;
    p.outbox = [&](int64_t ticket_id) {
      seen_ticket = ticket_id;
      OutboxEntry e = Row("m:" + std::to_string(ticket_id), priority::kResident);
      e.message.text = "工单#" + std::to_string(ticket_id);
      return std::vector<OutboxEntry>{e};
    };
    auto done = t.store->CompleteMessages({p}, 2000);
    REQUIRE(done.ok());
    CHECK((*done)[0]);
    CHECK(seen_ticket > 0);
    auto again = t.store->CompleteMessages({p}, 3000);
    REQUIRE(again.ok());
    CHECK(!(*again)[0]);  // already processed: nothing changes
    auto tickets = t.store->ListTickets({});
    REQUIRE(tickets.ok());
    CHECK(tickets->size() == 1);
    auto events = t.store->TicketEvents((*tickets)[0].id);
    REQUIRE(events.ok());
    CHECK(events->size() == 1);
    auto outbox = t.store->ListOutbox({});
    REQUIRE(outbox.ok());
    REQUIRE(outbox->size() == 1);
    CHECK((*outbox)[0].message.text == "工单#" + std::to_string(seen_ticket));
    CHECK((*outbox)[0].ticket_id == seen_ticket);
    auto pending = t.store->PendingMessages(10);
    REQUIRE(pending.ok());
    CHECK(pending->empty());
  }

  TEST_CASE("the outbox leases the most urgent due row, retries and dead-letters") {
    TempStore t;
    REQUIRE(t.store->Enqueue({Row("bulk", priority::kBulk), Row("urgent", priority::kUrgent),
                              Row("staff", priority::kStaff), Row("urgent", priority::kUrgent)},
                             100)
                .ok());
    auto all = t.store->ListOutbox({});
    REQUIRE(all.ok());
    CHECK(all->size() == 3);  // the repeated idempotency key was ignored
    auto lease = t.store->LeaseOutbox(100, 1, 10'000'000);
    REQUIRE(lease.ok());
    REQUIRE(lease->size() == 1);
    CHECK((*lease)[0].message.idempotency_key == "urgent");
    // A leased row is not handed out again until its lease ends.
    auto next = t.store->LeaseOutbox(100, 5, 10'000'000);
    REQUIRE(next.ok());
    CHECK(next->size() == 2);
    CHECK((*next)[0].message.idempotency_key == "staff");
    CHECK(t.store->LeaseOutbox(200, 5, 10'000'000)->empty());
    // Retry later, then dead.
    const int64_t id = (*lease)[0].message.id;
    using K = OutboxOutcome::Kind;
    REQUIRE(t.store->RecordOutcomes({{id, K::kRetry, 1, 5000, "unavailable: boom"}}, 4000).ok());
    CHECK(t.store->LeaseOutbox(4000, 5, 10'000'000)->empty());
    auto due = t.store->NextOutboxDue();
    REQUIRE(due.ok());
    REQUIRE(due->has_value());
    auto retried = t.store->LeaseOutbox(5000, 5, 10'000'000);
    REQUIRE(retried->size() == 1);
    CHECK(retried->front().attempts == 1);
    CHECK(retried->front().last_error == "unavailable: boom");
    REQUIRE(t.store->RecordOutcomes({{id, K::kDead, 2, 0, "unavailable: boom again"}}, 6000).ok());
    auto dead = t.store->ListOutbox({outbox_status::kDead, 0, 10});
    REQUIRE(dead->size() == 1);
    CHECK(dead->front().attempts == 2);
    REQUIRE(t.store->RecordOutcomes({{(*next)[0].message.id, K::kSent, 1, 0, ""}}, 7000).ok());
    auto counts = t.store->Counts();
    REQUIRE(counts.ok());
    CHECK(counts->outbox_by_status["dead"] == 1);
    CHECK(counts->outbox_by_status["sent"] == 1);
    CHECK(counts->outbox_by_status["pending"] == 1);
  }

  TEST_CASE("an urgent message's safety reply is committed with the message") {
    TempStore t;
    IngestItem item = Item("fire", "着火了");
    item.safety_reply = Row("", priority::kUrgent);
    item.safety_reply->message.kind = outbound_kind::kSafetyReply;
    auto r = t.store->Ingest({item}, 1000);
    REQUIRE(r.ok());
    auto rows = t.store->OutboxForMessage((*r)[0].message_id);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().message.kind == "safety_reply");
    CHECK(rows->front().message.idempotency_key == "m" + std::to_string((*r)[0].message_id) + ":safety_reply");
  }

  TEST_CASE("the schema is versioned and survives a reopen") {
    TempStore t;
    REQUIRE(t.store->Ingest({Item("a")}, 1000).ok());
    t.Open();
    auto m = t.store->GetMessage(1);
    REQUIRE(m.ok());
    CHECK(m->has_value());
    CHECK(SqliteStore::SchemaVersion() >= 1);
  }

  TEST_CASE("tokens are found by hash only, and names are unique") {
    TempStore t;
    REQUIRE(t.store->CreateToken("ops", "admin", "hash-1", 1).ok());
    auto dup = t.store->CreateToken("ops", "admin", "hash-2", 1);
    CHECK(dup.code() == StatusCode::kAlreadyExists);
    auto found = t.store->FindToken("hash-1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->name == "ops");
    CHECK(!t.store->FindToken("hash-2")->has_value());
  }
}

}  // namespace gridrelay::testing
