// The store conformance suite: the contracts of gateway/store/store.h as doctest template
// cases, written against the interfaces only, so that every engine runs the same suite. An
// engine is a type with `static std::unique_ptr<Store> Make()` returning a fresh, empty store;
// one test file per binary instantiates the suite for every engine it has:
//
//   #include "gateway/store/testing/conformance.h"
//   GR_STORE_CONFORMANCE(my::SqliteEngine, my::PostgresEngine);  // at global scope
//
// Every case name starts with "conformance:" so that `ctest -R conformance` runs the suite.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "gateway/store/testing/conformance_util.h"

namespace gridrelay::testing::conformance {

TEST_CASE_TEMPLATE_DEFINE("conformance: ingest deduplicates per channel and commits the safety reply with the message",
                          Engine, store_conformance_1) {
  std::unique_ptr<Store> store = Engine::Make();
  auto first = store->Ingest({Item("demo", "k1"), Item("other", "k1"), Item("demo", "k1")}, kT0);
  REQUIRE(first.ok());
  CHECK_FALSE(first->at(0).duplicate);
  CHECK_FALSE(first->at(1).duplicate);  // the same key on another channel is another message
  CHECK(first->at(2).duplicate);        // a repeat inside one batch
  CHECK(first->at(2).message_id == first->at(0).message_id);
  auto again = store->Ingest({Item("demo", "k1")}, kT0 + kSecond);
  REQUIRE(again.ok());
  CHECK(again->at(0).duplicate);
  CHECK(again->at(0).message_id == first->at(0).message_id);

  IngestItem urgent = Item("demo", "k2", "着火了");
  urgent.safety_reply = Row("ignored", priority::kUrgent);
  urgent.safety_reply->message.kind = outbound_kind::kSafetyReply;
  auto r = store->Ingest({urgent}, kT0);
  REQUIRE(r.ok());
  auto rows = store->OutboxForMessage(r->at(0).message_id);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).message.idempotency_key == "m" + std::to_string(r->at(0).message_id) + ":safety_reply");
  CHECK(rows->at(0).priority == priority::kUrgent);

  // Forgotten keys make a re-delivery new again.
  REQUIRE(store->PurgeDedupKeys(kT0 + kSecond).ok());
  auto later = store->Ingest({Item("demo", "k1")}, kT0 + 2 * kSecond);
  REQUIRE(later.ok());
  CHECK_FALSE(later->at(0).duplicate);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a message leaves `received` exactly once, with its ticket, events and rows",
                          Engine, store_conformance_2) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m1 = IngestOne(*store, "a");
  const int64_t m2 = IngestOne(*store, "b");
  auto pending = store->PendingMessages(10);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 2);
  CHECK(pending->at(0).id == m1);  // oldest first
  CHECK(pending->at(0).state == MessageState::kReceived);

  auto ids = store->ReserveTicketIds(2);
  REQUIRE(ids.ok());
  auto applied = store->Apply({OpenTicket(m1, *ids), OpenTicket(m2, *ids + 1)}, kT0);
  REQUIRE(applied.ok());
  CHECK(applied->at(0));
  CHECK(applied->at(1));
  // A second processor (or the same one after a crash) plans m1 again: it is refused whole.
  auto more = store->ReserveTicketIds(1);
  REQUIRE(more.ok());
  Status again = store->Apply(OpenTicket(m1, *more), kT0);
  CHECK(again.code() == StatusCode::kAborted);
  auto none = store->GetTicket(*more);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());  // its ticket was not written
  auto rows = store->OutboxForMessage(m1);
  REQUIRE(rows.ok());
  CHECK(rows->size() == 1);  // its outbox row once

  auto msg = store->GetMessage(m1);
  REQUIRE(msg.ok());
  REQUIRE(msg->has_value());
  CHECK((*msg)->state == MessageState::kProcessed);
  CHECK((*msg)->ticket_id == *ids);
  auto t = store->GetTicket(*ids);
  REQUIRE(t.ok());
  REQUIRE(t->has_value());
  CHECK((*t)->message_id == m1);
  CHECK((*t)->version == 1);
  auto events = store->TicketEvents(*ids);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK(events->at(0).action == "created");
  CHECK(events->at(0).at == kT0);
  auto left = store->PendingMessages(10);
  REQUIRE(left.ok());
  CHECK(left->empty());
}

TEST_CASE_TEMPLATE_DEFINE("conformance: ticket ids are reserved in disjoint increasing ranges", Engine,
                          store_conformance_3) {
  std::unique_ptr<Store> store = Engine::Make();
  std::set<int64_t> seen;
  int64_t last = 0;
  for (int count : {1, 3, 1, 5}) {
    auto first = store->ReserveTicketIds(count);
    REQUIRE(first.ok());
    CHECK(*first > last);
    for (int i = 0; i < count; ++i) CHECK(seen.insert(*first + i).second);
    last = *first + count - 1;
  }
  CHECK(store->ReserveTicketIds(0).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a ticket update applies only at the version it read", Engine,
                          store_conformance_4) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m = IngestOne(*store, "a");
  auto id = store->ReserveTicketIds(1);
  REQUIRE(id.ok());
  REQUIRE(store->Apply(OpenTicket(m, *id), kT0).ok());
  auto t = store->GetTicket(*id);
  REQUIRE(t.ok());
  Ticket accepted = **t;
  accepted.status = "accepted";
  ChangeSet accept;
  accept.ticket_updates.push_back({accepted, 1});
  accept.events.push_back({0, *id, 0, "w-a", "accept", {}});
  REQUIRE(store->Apply(accept, kT0 + kSecond).ok());

  // A second actor who also read version 1 loses the race, and none of its change is written.
  Ticket rejected = **t;
  rejected.status = "rejected";
  ChangeSet reject;
  reject.ticket_updates.push_back({rejected, 1});
  reject.events.push_back({0, *id, 0, "w-b", "reject", {}});
  reject.outbox.push_back(Row("t1:reject"));
  CHECK(store->Apply(reject, kT0 + 2 * kSecond).code() == StatusCode::kAborted);

  auto now = store->GetTicket(*id);
  REQUIRE(now.ok());
  CHECK((*now)->status == "accepted");
  CHECK((*now)->version == 2);
  CHECK((*now)->updated_at == kT0 + kSecond);
  auto events = store->TicketEvents(*id);
  REQUIRE(events.ok());
  CHECK(events->size() == 2);  // created, accept
  auto rows = store->ListOutbox({});
  REQUIRE(rows.ok());
  CHECK(rows->size() == 1);  // only the ticket's acknowledgement
}

TEST_CASE_TEMPLATE_DEFINE("conformance: an aborted change set in a batch leaves the others applied", Engine,
                          store_conformance_5) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m1 = IngestOne(*store, "a");
  const int64_t m2 = IngestOne(*store, "b");
  ChangeSet stale;  // expects m2 in triage, which it is not
  stale.messages.push_back({m2, MessageState::kTriage, MessageState::kProcessed, "", 0});
  stale.outbox.push_back(Row("stale"));
  ChangeSet fine;
  fine.messages.push_back({m1, MessageState::kReceived, MessageState::kIgnored, "a staff message", 0});
  fine.outbox.push_back(Row("fine"));
  auto applied = store->Apply({stale, fine}, kT0);
  REQUIRE(applied.ok());
  CHECK_FALSE(applied->at(0));
  CHECK(applied->at(1));
  auto rows = store->ListOutbox({});
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(rows->at(0).message.idempotency_key == "fine");
  auto msg = store->GetMessage(m1);
  REQUIRE(msg.ok());
  CHECK((*msg)->state == MessageState::kIgnored);
  CHECK((*msg)->note == "a staff message");
}

TEST_CASE_TEMPLATE_DEFINE("conformance: outbox keys are unique and leases hand a row to one sender", Engine,
                          store_conformance_6) {
  std::unique_ptr<Store> store = Engine::Make();
  ChangeSet c;
  c.outbox = {Row("ack", priority::kResident), Row("urgent", priority::kUrgent), Row("later", priority::kUrgent, kT0 + 60 * kSecond)};
  REQUIRE(store->Apply(c, kT0).ok());
  REQUIRE(store->Apply(WithOutbox({Row("ack")}), kT0).ok());  // the same key again: a no-op
  auto all = store->ListOutbox({});
  REQUIRE(all.ok());
  CHECK(all->size() == 3);

  auto lease = store->LeaseOutbox(kT0, 10, kT0 + 30 * kSecond);
  REQUIRE(lease.ok());
  REQUIRE(lease->size() == 2);  // "later" is not due
  CHECK(lease->at(0).message.idempotency_key == "urgent");  // most urgent first
  CHECK(lease->at(1).message.idempotency_key == "ack");
  auto second = store->LeaseOutbox(kT0 + kSecond, 10, kT0 + 30 * kSecond);
  REQUIRE(second.ok());
  CHECK(second->empty());  // both are in flight with the first sender

  // "urgent" is sent; "ack" fails and is due again later; neither is leased before its time.
  const int64_t urgent_id = lease->at(0).message.id;
  const int64_t ack_id = lease->at(1).message.id;
  REQUIRE(store->RecordOutcomes({{urgent_id, OutboxOutcome::Kind::kSent, 1, 0, ""},
                                 {ack_id, OutboxOutcome::Kind::kRetry, 1, kT0 + 10 * kSecond, "HTTP 503"}},
                                kT0 + kSecond)
              .ok());
  auto third = store->LeaseOutbox(kT0 + 2 * kSecond, 10, kT0 + 30 * kSecond);
  REQUIRE(third.ok());
  CHECK(third->empty());
  auto due = store->NextOutboxDue();
  REQUIRE(due.ok());
  REQUIRE(due->has_value());
  CHECK(**due == kT0 + 10 * kSecond);
  auto retry = store->LeaseOutbox(kT0 + 10 * kSecond, 10, kT0 + 40 * kSecond);
  REQUIRE(retry.ok());
  REQUIRE(retry->size() == 1);
  CHECK(retry->at(0).attempts == 1);
  CHECK(retry->at(0).last_error == "HTTP 503");

  // A lease whose outcome is never recorded (a crashed sender) ends at its expiry.
  auto expired = store->LeaseOutbox(kT0 + 41 * kSecond, 10, kT0 + 100 * kSecond);
  REQUIRE(expired.ok());
  REQUIRE(expired->size() == 1);
  CHECK(expired->at(0).message.id == ack_id);
  REQUIRE(store->RecordOutcomes({{ack_id, OutboxOutcome::Kind::kDead, 2, 0, "HTTP 400"}}, kT0 + 42 * kSecond).ok());

  auto dead = store->ListOutbox(WithStatus(OutboxStatus::kDead));
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK(dead->at(0).last_error == "HTTP 400");
  auto sent = store->ListOutbox(WithStatus(OutboxStatus::kSent));
  REQUIRE(sent.ok());
  REQUIRE(sent->size() == 1);
  CHECK(sent->at(0).sent_at == kT0 + kSecond);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a timer is leased to one worker and fires exactly once", Engine,
                          store_conformance_7) {
  std::unique_ptr<Store> store = Engine::Make();
  ChangeSet schedule;
  schedule.schedule_timers = {{0, "t1:response", "response_deadline", 1, kT0 + 10 * kSecond, {{"level", "grid"}}},
                              {0, "t1:resolution", "resolution_deadline", 1, kT0 + 20 * kSecond, {}}};
  REQUIRE(store->Apply(schedule, kT0).ok());
  auto none = store->LeaseDueTimers(kT0 + 5 * kSecond, 10, kT0 + 35 * kSecond);
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto next = store->NextTimerDue(kT0);
  REQUIRE(next.ok());
  CHECK(next->value_or(0) == kT0 + 10 * kSecond);

  auto leased = store->LeaseDueTimers(kT0 + 10 * kSecond, 10, kT0 + 40 * kSecond);
  REQUIRE(leased.ok());
  REQUIRE(leased->size() == 1);
  const Timer fired = leased->at(0);
  CHECK(fired.key == "t1:response");
  CHECK(fired.payload["level"] == "grid");
  auto twice = store->LeaseDueTimers(kT0 + 11 * kSecond, 10, kT0 + 40 * kSecond);
  REQUIRE(twice.ok());
  CHECK(twice->empty());  // leased to the first worker

  // The worker dies; its lease ends and another takes the timer.
  auto retaken = store->LeaseDueTimers(kT0 + 41 * kSecond, 10, kT0 + 80 * kSecond);
  REQUIRE(retaken.ok());
  REQUIRE(retaken->size() == 2);
  CHECK(retaken->at(0).id == fired.id);

  ChangeSet fire;
  fire.fired_timers = {fired.id};
  fire.outbox = {Row("escalated")};
  REQUIRE(store->Apply(fire, kT0 + 42 * kSecond).ok());
  CHECK(store->Apply(fire, kT0 + 43 * kSecond).code() == StatusCode::kAborted);  // fires once
  auto rows = store->ListOutbox({});
  REQUIRE(rows.ok());
  CHECK(rows->size() == 1);

  // Rescheduling a key moves it; cancelling removes it.
  ChangeSet move;
  move.schedule_timers = {{0, "t1:resolution", "resolution_deadline", 1, kT0 + 99 * kSecond, {}}};
  REQUIRE(store->Apply(move, kT0 + 44 * kSecond).ok());
  auto timers = store->TimersForTicket(1);
  REQUIRE(timers.ok());
  REQUIRE(timers->size() == 1);
  CHECK(timers->at(0).due_at == kT0 + 99 * kSecond);
  REQUIRE(store->Apply([] { ChangeSet c; c.cancel_timers = {"t1:resolution", "no-such-key"}; return c; }(), kT0 + 45 * kSecond).ok());
  auto gone = store->TimersForTicket(1);
  REQUIRE(gone.ok());
  CHECK(gone->empty());
  auto empty = store->NextTimerDue(kT0 + 46 * kSecond);
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_value());
}

TEST_CASE_TEMPLATE_DEFINE("conformance: tokens are found by hash and names are unique", Engine, store_conformance_8) {
  std::unique_ptr<Store> store = Engine::Make();
  REQUIRE(store->CreateToken("ops", "admin", "hash-1", kT0).ok());
  CHECK(store->CreateToken("ops", "admin", "hash-2", kT0).code() == StatusCode::kAlreadyExists);
  auto found = store->FindToken("hash-1");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->name == "ops");
  CHECK((*found)->role == "admin");
  auto missing = store->FindToken("hash-2");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE_TEMPLATE_DEFINE("conformance: health answers and counts what is stored", Engine, store_conformance_9) {
  std::unique_ptr<Store> store = Engine::Make();
  CHECK(store->Ping().ok());
  const int64_t m = IngestOne(*store, "a");
  IngestOne(*store, "b");
  auto id = store->ReserveTicketIds(1);
  REQUIRE(id.ok());
  REQUIRE(store->Apply(OpenTicket(m, *id), kT0).ok());
  auto counts = store->Counts();
  REQUIRE(counts.ok());
  CHECK(counts->messages_by_state["received"] == 1);
  CHECK(counts->messages_by_state["processed"] == 1);
  CHECK(counts->tickets_by_status["dispatched"] == 1);
  CHECK(counts->outbox_by_status["pending"] == 1);
}

}  // namespace gridrelay::testing::conformance

// Instantiates every case of the suite for each engine type given.
#define GR_STORE_CONFORMANCE(...) \
  namespace gridrelay::testing::conformance { \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_1, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_2, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_3, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_4, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_5, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_6, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_7, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_8, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_9, __VA_ARGS__); \
  }
