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

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>

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
  accepted.status = TicketStatus::kAccepted;
  ChangeSet accept;
  accept.ticket_updates.push_back({accepted, 1});
  accept.events.push_back({0, *id, 0, "w-a", "accept", {}});
  REQUIRE(store->Apply(accept, kT0 + kSecond).ok());

  // A second actor who also read version 1 loses the race, and none of its change is written.
  Ticket rejected = **t;
  rejected.status = TicketStatus::kRejected;
  ChangeSet reject;
  reject.ticket_updates.push_back({rejected, 1});
  reject.events.push_back({0, *id, 0, "w-b", "reject", {}});
  reject.outbox.push_back(Row("t1:reject"));
  CHECK(store->Apply(reject, kT0 + 2 * kSecond).code() == StatusCode::kAborted);

  auto now = store->GetTicket(*id);
  REQUIRE(now.ok());
  CHECK((*now)->status == TicketStatus::kAccepted);
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

TEST_CASE_TEMPLATE_DEFINE("conformance: a lease can leave channels out or keep to one; dead rows are requeued by id, "
                          "destination or channel with a fresh retry horizon", Engine, store_conformance_13) {
  std::unique_ptr<Store> store = Engine::Make();
  auto on = [](const std::string& key, const std::string& channel, const std::string& group) {
    OutboxEntry e = Row(key);
    e.message.channel = channel;
    e.message.group_id = group;
    e.rate_key = channel + "|group:" + group;
    return e;
  };
  REQUIRE(store->Apply(WithOutbox({on("a1", "slow", "g1"), on("b1", "fast", "g1"), on("a2", "slow", "g2"),
                                   on("b2", "fast", "g2")}), kT0).ok());
  auto all = store->ListOutbox({});
  REQUIRE(all.ok());
  for (const auto& e : *all) CHECK(e.retry_from == kT0);  // a new row's horizon starts at its creation

  LeaseFilter skip_slow;
  skip_slow.skip_channels = {"slow"};
  auto fast = store->LeaseOutbox(kT0, 10, kT0 + 30 * kSecond, skip_slow);
  REQUIRE(fast.ok());
  REQUIRE(fast->size() == 2);
  for (const auto& e : *fast) CHECK(e.message.channel == "fast");

  LeaseFilter one;
  one.one_channel = true;
  auto slow = store->LeaseOutbox(kT0, 1, kT0 + 30 * kSecond, one);
  REQUIRE(slow.ok());
  REQUIRE(slow->size() == 1);
  CHECK(slow->at(0).message.idempotency_key == "a1");
  REQUIRE(store->Apply(WithOutbox({on("b3", "fast", "g3")}), kT0).ok());
  auto rest = store->LeaseOutbox(kT0, 10, kT0 + 30 * kSecond, one);
  REQUIRE(rest.ok());
  REQUIRE(rest->size() == 1);  // a2 (slow) came first: b3 waits for a lease of its own
  CHECK(rest->at(0).message.idempotency_key == "a2");

  std::vector<OutboxOutcome> dead;
  for (const auto* lease : {&*fast, &*slow, &*rest})
    for (const auto& e : *lease) dead.push_back({e.message.id, OutboxOutcome::Kind::kDead, 3, 0, "HTTP 503"});
  REQUIRE(store->RecordOutcomes(dead, kT0 + kSecond).ok());

  CHECK(store->RequeueDead(RequeueFilter{}, kT0).status().code() == StatusCode::kInvalidArgument);
  RequeueFilter by_id;
  by_id.id = slow->at(0).message.id;
  auto n = store->RequeueDead(by_id, kT0 + 100 * kSecond);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  RequeueFilter by_destination;
  by_destination.destination = "fast|group:g2";
  n = store->RequeueDead(by_destination, kT0 + 100 * kSecond);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  RequeueFilter by_channel;
  by_channel.channel = "fast";
  n = store->RequeueDead(by_channel, kT0 + 100 * kSecond);
  REQUIRE(n.ok());
  CHECK(*n == 1);  // b1; b2 is pending already
  n = store->RequeueDead(by_id, kT0 + 100 * kSecond);
  REQUIRE(n.ok());
  CHECK(*n == 0);  // not dead any more

  auto due = store->LeaseOutbox(kT0 + 100 * kSecond, 10, kT0 + 200 * kSecond);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 4);  // a1, b1, b2 requeued; b3 never leased to the end
  for (const auto& e : *due) {
    CAPTURE(e.message.idempotency_key);
    if (e.message.idempotency_key == "b3") continue;
    CHECK(e.attempts == 0);
    CHECK(e.retry_from == kT0 + 100 * kSecond);
    CHECK(e.last_error == "HTTP 503");  // kept, for whoever looks
  }
  auto still_dead = store->ListOutbox(WithStatus(OutboxStatus::kDead));
  REQUIRE(still_dead.ok());
  REQUIRE(still_dead->size() == 1);
  CHECK(still_dead->at(0).message.idempotency_key == "a2");
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

TEST_CASE_TEMPLATE_DEFINE("conformance: tokens are found by hash, names are unique, and revoked tokens are not found",
                          Engine, store_conformance_8) {
  std::unique_ptr<Store> store = Engine::Make();
  REQUIRE(store->CreateToken(ApiToken{.name = "ops", .role = "admin"}, "hash-1", kT0).ok());
  REQUIRE(store->CreateToken(ApiToken{.name = "wang", .role = "worker", .scope = "grid:grid-a"}, "hash-3", kT0).ok());
  CHECK(store->CreateToken(ApiToken{.name = "ops", .role = "admin"}, "hash-2", kT0).code() ==
        StatusCode::kAlreadyExists);
  auto found = store->FindToken("hash-3");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->name == "wang");
  CHECK((*found)->role == "worker");
  CHECK((*found)->scope == "grid:grid-a");
  auto missing = store->FindToken("hash-2");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  REQUIRE(store->RevokeToken("wang", kT0 + kSecond).ok());
  CHECK(store->RevokeToken("wang", kT0 + kSecond).code() == StatusCode::kNotFound);
  CHECK(store->RevokeToken("nobody", kT0).code() == StatusCode::kNotFound);
  auto gone = store->FindToken("hash-3");
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto all = store->ListTokens();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "ops");
  CHECK((*all)[0].revoked_at == 0);
  CHECK((*all)[1].revoked_at == kT0 + kSecond);
  // A revoked token's name stays taken, so an audit trail never names two tokens alike.
  CHECK(store->CreateToken(ApiToken{.name = "wang", .role = "worker"}, "hash-4", kT0).code() ==
        StatusCode::kAlreadyExists);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: every ticket field survives insert and update", Engine, store_conformance_10) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m = IngestOne(*store, "a");
  auto id = store->ReserveTicketIds(1);
  REQUIRE(id.ok());
  ChangeSet open = OpenTicket(m, *id);
  Ticket& t = open.new_tickets[0];
  t.community_id = "c1";
  t.street_id = "s1";
  t.sender_id = "u1";
  t.sender_name = "Li";
  t.urgent = true;
  t.team_id = "team-law";
  t.text = "楼道灯坏了";
  t.entities = nlohmann::json::array({{{"type", "place"}, {"text", "3栋"}}});
  t.response_due_at = kT0 + 3600 * kSecond;
  REQUIRE(store->Apply(open, kT0).ok());
  auto read = store->GetTicket(*id);
  REQUIRE(read.ok());
  REQUIRE(read->has_value());
  const Ticket& r = **read;
  CHECK(r.community_id == "c1");
  CHECK(r.street_id == "s1");
  CHECK(r.sender_name == "Li");
  CHECK(r.urgent);
  CHECK(r.team_id == "team-law");
  CHECK(r.text == "楼道灯坏了");
  CHECK(r.entities == t.entities);
  CHECK(r.response_due_at == kT0 + 3600 * kSecond);
  CHECK(r.created_at == kT0);
  CHECK(r.version == 1);

  Ticket u = r;
  u.status = TicketStatus::kResolved;
  u.level = "community";
  u.supervised = true;
  u.assignee_id = "w-b";
  u.assignee_name = "B";
  u.bounces = 2;
  u.reason = "not_ours";
  u.satisfaction = "unsatisfied";
  u.accepted_at = kT0 + 1;
  u.resolved_at = kT0 + 2;
  u.closed_at = kT0 + 3;
  u.resolve_due_at = kT0 + 4;
  u.merged_into = 7;
  u.grid_id = "grid-b";
  u.category = "legal_aid";
  u.visit_outcome = "dissuaded";
  u.first_contact_at = kT0 + 5;
  ChangeSet update;
  update.ticket_updates.push_back({u, 1});
  REQUIRE(store->Apply(update, kT0 + kSecond).ok());
  read = store->GetTicket(*id);
  REQUIRE(read.ok());
  const Ticket& v = **read;
  CHECK(v.status == TicketStatus::kResolved);
  CHECK(v.level == "community");
  CHECK(v.supervised);
  CHECK(v.assignee_id == "w-b");
  CHECK(v.assignee_name == "B");
  CHECK(v.bounces == 2);
  CHECK(v.reason == "not_ours");
  CHECK(v.satisfaction == "unsatisfied");
  CHECK(v.accepted_at == kT0 + 1);
  CHECK(v.resolved_at == kT0 + 2);
  CHECK(v.closed_at == kT0 + 3);
  CHECK(v.resolve_due_at == kT0 + 4);
  CHECK(v.merged_into == 7);
  CHECK(v.grid_id == "grid-b");
  CHECK(v.category == "legal_aid");
  CHECK(v.visit_outcome == "dissuaded");
  CHECK(v.first_contact_at == kT0 + 5);
  CHECK(v.created_at == kT0);
  CHECK(v.updated_at == kT0 + kSecond);
  CHECK(v.version == 2);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: ticket lists keep to a scope, an assignee and open tickets; staff loads count "
                          "open tickets",
                          Engine, store_conformance_11) {
  std::unique_ptr<Store> store = Engine::Make();
  // Four tickets: (grid, community, team, assignee, status).
  struct Spec {
    const char* grid;
    const char* community;
    const char* team;
    const char* assignee;
    TicketStatus status;
  };
  const Spec specs[] = {{"grid-a", "c1", "", "w-a", TicketStatus::kDispatched},
                        {"grid-b", "c1", "", "w-b", TicketStatus::kAccepted},
                        {"grid-c", "c2", "team-law", "v-1", TicketStatus::kClosed},
                        {"grid-c", "c2", "team-law", "v-2", TicketStatus::kInProgress}};
  std::vector<int64_t> ids;
  for (const Spec& sp : specs) {
    const int64_t m = IngestOne(*store, std::string("k") + std::to_string(ids.size()));
    auto id = store->ReserveTicketIds(1);
    REQUIRE(id.ok());
    ChangeSet c = OpenTicket(m, *id);
    c.outbox.clear();
    Ticket& t = c.new_tickets[0];
    t.grid_id = sp.grid;
    t.community_id = sp.community;
    t.team_id = sp.team;
    t.assignee_id = sp.assignee;
    t.status = sp.status;
    REQUIRE(store->Apply(c, kT0).ok());
    ids.push_back(*id);
  }
  auto list = [&](TicketFilter f) {
    auto got = store->ListTickets(f);
    REQUIRE(got.ok());
    std::vector<int64_t> out;
    for (const Ticket& t : *got) out.push_back(t.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  TicketFilter f;
  CHECK(list(f) == ids);
  f.scope = TicketScope{.grids = {"grid-a"}};
  CHECK(list(f) == std::vector<int64_t>{ids[0]});
  f.scope = TicketScope{.communities = {"c1"}};
  CHECK(list(f) == std::vector<int64_t>{ids[0], ids[1]});
  f.scope = TicketScope{.grids = {"grid-a"}, .teams = {"team-law"}};
  CHECK(list(f) == std::vector<int64_t>{ids[0], ids[2], ids[3]});
  f.scope = TicketScope{.assignees = {"v-2"}};
  CHECK(list(f) == std::vector<int64_t>{ids[3]});
  f.scope = TicketScope{};  // an empty scope sees nothing, never everything
  CHECK(list(f).empty());
  f.scope.reset();
  f.team = "team-law";
  f.open_only = true;
  CHECK(list(f) == std::vector<int64_t>{ids[3]});
  f = TicketFilter{};
  f.assignee = "w-b";
  CHECK(list(f) == std::vector<int64_t>{ids[1]});
  f = TicketFilter{};
  f.status = TicketStatus::kClosed;
  CHECK(list(f) == std::vector<int64_t>{ids[2]});
  CHECK(TicketScope{.teams = {"team-law"}}.Contains(*store->GetTicket(ids[2]).value()));
  CHECK_FALSE(TicketScope{.grids = {"grid-a"}}.Contains(*store->GetTicket(ids[2]).value()));

  auto loads = store->StaffLoads({"w-a", "v-1", "v-2", "nobody"});
  REQUIRE(loads.ok());
  CHECK(loads->at("w-a").open == 1);
  CHECK(loads->at("v-1").open == 0);  // closed tickets do not count
  CHECK(loads->at("v-1").last_assigned_ticket == ids[2]);
  CHECK(loads->at("v-2").open == 1);
  CHECK(loads->count("nobody") == 0);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: report rows are the tickets created inside the window (its end excluded) and in scope, with "
                          "their keys and times",
                          Engine, store_conformance_12) {
  std::unique_ptr<Store> store = Engine::Make();
  // Three tickets created at kT0, kT0 + 1 s and kT0 + 2 s; the second carries every field.
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    const int64_t m = IngestOne(*store, "k" + std::to_string(i));
    auto id = store->ReserveTicketIds(1);
    REQUIRE(id.ok());
    ChangeSet c = OpenTicket(m, *id);
    Ticket& t = c.new_tickets[0];
    t.created_at = kT0 + i * kSecond;
    t.grid_id = i == 2 ? "grid-b" : "grid-a";
    if (i == 1) {
      t.community_id = "c1";
      t.team_id = "team-law";
      t.intent = "appeal.noise";
      t.status = TicketStatus::kClosed;
      t.satisfaction = "no_answer";
      t.accepted_at = kT0 + 10 * kSecond;
      t.resolved_at = kT0 + 20 * kSecond;
      t.closed_at = kT0 + 30 * kSecond;
      t.response_due_at = kT0 + 40 * kSecond;
      t.resolve_due_at = kT0 + 50 * kSecond;
      t.merged_into = 7;
    }
    REQUIRE(store->Apply(c, kT0 + i * kSecond).ok());
    ids.push_back(*id);
  }
  auto read = [&](int64_t from, int64_t to, const std::optional<TicketScope>& scope) {
    std::map<int64_t, ReportRow> rows;
    std::map<int64_t, std::string> grids;  // the views die with the callback; keep copies
    REQUIRE(store->ReportRows(from, to, scope, [&](const ReportRow& r) {
                    rows[r.id] = r;
                    grids[r.id] = std::string(r.grid_id);
                  }).ok());
    for (auto& [id, r] : rows) r.grid_id = r.community_id = r.team_id = r.intent = r.satisfaction = {};
    return std::pair(rows, grids);
  };
  auto [all, grids] = read(kT0, kT0 + 3 * kSecond, std::nullopt);
  REQUIRE(all.size() == 3);
  CHECK(grids[ids[2]] == "grid-b");
  auto [window, _] = read(kT0 + kSecond, kT0 + 2 * kSecond, std::nullopt);  // `to` is exclusive
  REQUIRE(window.size() == 1);
  const ReportRow& r = window.begin()->second;
  CHECK(r.id == ids[1]);
  CHECK(r.status == TicketStatus::kClosed);
  CHECK(r.created_at == kT0 + kSecond);
  CHECK(r.accepted_at == kT0 + 10 * kSecond);
  CHECK(r.resolved_at == kT0 + 20 * kSecond);
  CHECK(r.closed_at == kT0 + 30 * kSecond);
  CHECK(r.response_due_at == kT0 + 40 * kSecond);
  CHECK(r.resolve_due_at == kT0 + 50 * kSecond);
  CHECK(r.merged_into == 7);
  // The text keys, checked inside the callback where they are valid.
  int seen = 0;
  REQUIRE(store->ReportRows(kT0 + kSecond, kT0 + 2 * kSecond, std::nullopt, [&](const ReportRow& row) {
                  ++seen;
                  CHECK(row.grid_id == "grid-a");
                  CHECK(row.community_id == "c1");
                  CHECK(row.team_id == "team-law");
                  CHECK(row.intent == "appeal.noise");
                  CHECK(row.satisfaction == "no_answer");
                }).ok());
  CHECK(seen == 1);

  auto ids_of = [&](const std::optional<TicketScope>& scope) {
    std::vector<int64_t> out;
    for (const auto& [id, row] : read(kT0, kT0 + 3 * kSecond, scope).first) out.push_back(id);
    return out;
  };
  CHECK(ids_of(TicketScope{.grids = {"grid-b"}}) == std::vector<int64_t>{ids[2]});
  CHECK(ids_of(TicketScope{.teams = {"team-law"}}) == std::vector<int64_t>{ids[1]});
  CHECK(ids_of(TicketScope{.grids = {"grid-b"}, .communities = {"c1"}}) == std::vector<int64_t>{ids[1], ids[2]});
  CHECK(ids_of(TicketScope{}).empty());  // an empty scope sees nothing, never everything
  CHECK(read(kT0 + 3 * kSecond, kT0 + 9 * kSecond, std::nullopt).first.empty());
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

// A campaign with `groups` rows (keys c<id>:g<i>), due at `due`.
inline ChangeSet NewCampaign(int64_t id, const std::string& client_key, int groups, int64_t due = 0) {
  ChangeSet c;
  Campaign k;
  k.id = id;
  k.client_key = client_key;
  k.title = "反诈提醒";
  k.content = "不要向陌生账户转账";
  k.targets = {{"all", true}};
  k.target_count = groups + 1;
  k.skipped = nlohmann::json::array({{{"grid", "grid-z"}, {"reason", "no group"}}});
  k.start_at = due;
  k.expected_finish_at = due + 60 * kSecond;
  k.plan = {{"rate", "test"}};
  c.new_campaigns.push_back(k);
  for (int i = 0; i < groups; ++i) {
    OutboxEntry e = Row("c" + std::to_string(id) + ":g" + std::to_string(i), priority::kBulk, due);
    e.message.kind = outbound_kind::kBroadcast;
    e.message.group_id = "g" + std::to_string(i);
    e.rate_key = "demo|group:g" + std::to_string(i);
    e.campaign_id = id;
    c.outbox.push_back(e);
  }
  return c;
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a campaign is written with its rows at once, once per client key; pausing holds "
                          "its rows from leases, resuming returns them, cancelling makes them final",
                          Engine, store_conformance_14) {
  std::unique_ptr<Store> store = Engine::Make();
  auto id = store->ReserveCampaignId();
  REQUIRE(id.ok());
  auto id2 = store->ReserveCampaignId();
  REQUIRE(id2.ok());
  CHECK(*id2 > *id);
  REQUIRE(store->Apply(NewCampaign(*id, "key-1", 3, kT0), kT0).ok());
  auto got = store->GetCampaign(*id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const Campaign& c = **got;
  CHECK(c.title == "反诈提醒");
  CHECK(c.content == "不要向陌生账户转账");
  CHECK(c.targets == nlohmann::json{{"all", true}});
  CHECK(c.state == CampaignState::kRunning);
  CHECK(c.target_count == 4);
  CHECK(c.skipped.size() == 1);
  CHECK(c.start_at == kT0);
  CHECK(c.expected_finish_at == kT0 + 60 * kSecond);
  CHECK(c.plan["rate"] == "test");
  CHECK(c.created_at == kT0);
  auto by_key = store->FindCampaignByClientKey("key-1");
  REQUIRE(by_key.ok());
  REQUIRE(by_key->has_value());
  CHECK((*by_key)->id == *id);

  // The same client key again: refused whole, its rows not written either.
  Status again = store->Apply(NewCampaign(*id2, "key-1", 2, kT0), kT0);
  CHECK(again.code() == StatusCode::kAborted);
  auto none = store->GetCampaign(*id2);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto counts = store->CountCampaignRows(*id2);
  REQUIRE(counts.ok());
  CHECK(counts->pending == 0);
  // Without a client key there is nothing to collide with.
  auto id3 = store->ReserveCampaignId();
  REQUIRE(id3.ok());
  REQUIRE(store->Apply(NewCampaign(*id3, "", 1, kT0 + 3600 * kSecond), kT0).ok());
  auto listed = store->ListCampaigns(0, 10);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK(listed->at(0).id == *id3);  // newest first
  auto before = store->ListCampaigns(*id3, 10);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 1);
  CHECK(before->at(0).id == *id);

  // One row leased and in flight, then the campaign pauses: no other row is leased.
  auto leased = store->LeaseOutbox(kT0, 1, kT0 + 60 * kSecond);
  REQUIRE(leased.ok());
  REQUIRE(leased->size() == 1);
  CHECK(leased->at(0).campaign_id == *id);
  ChangeSet pause;
  pause.campaign_updates.push_back({*id, {CampaignState::kRunning}, CampaignState::kPaused});
  REQUIRE(store->Apply(pause, kT0).ok());
  CHECK(store->Apply(pause, kT0).code() == StatusCode::kAborted);  // not running any more
  auto during = store->LeaseOutbox(kT0 + kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(during.ok());
  CHECK(during->empty());
  auto due = store->NextOutboxDue();
  REQUIRE(due.ok());
  CHECK(due->value_or(0) == kT0 + 3600 * kSecond);  // only the other campaign's row
  // The row in flight still records its outcome.
  REQUIRE(store->RecordOutcomes({{leased->at(0).message.id, OutboxOutcome::Kind::kSent, 1, 0, ""}}, kT0).ok());
  counts = store->CountCampaignRows(*id);
  REQUIRE(counts.ok());
  CHECK(counts->sent == 1);
  CHECK(counts->held == 2);
  CHECK(counts->pending == 0);

  // Resumed: its rows are due again, no earlier than the resume time.
  ChangeSet resume;
  resume.campaign_updates.push_back({*id, {CampaignState::kPaused}, CampaignState::kRunning, kT0 + 5 * kSecond});
  REQUIRE(store->Apply(resume, kT0 + 2 * kSecond).ok());
  auto early = store->LeaseOutbox(kT0 + 4 * kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(early.ok());
  CHECK(early->empty());
  auto back = store->LeaseOutbox(kT0 + 5 * kSecond, 1, kT0 + 60 * kSecond);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);

  // Cancelled: every unsent row is final, the one in flight keeps its outcome.
  ChangeSet cancel;
  cancel.campaign_updates.push_back({*id, {CampaignState::kRunning, CampaignState::kPaused}, CampaignState::kCancelled});
  REQUIRE(store->Apply(cancel, kT0 + 6 * kSecond).ok());
  REQUIRE(store->RecordOutcomes({{back->at(0).message.id, OutboxOutcome::Kind::kSent, 1, 0, ""}}, kT0 + 6 * kSecond).ok());
  counts = store->CountCampaignRows(*id);
  REQUIRE(counts.ok());
  CHECK(counts->sent == 2);
  CHECK(counts->cancelled == 1);
  CHECK(counts->pending + counts->held == 0);
  auto deliveries = store->CampaignDeliveries(*id);
  REQUIRE(deliveries.ok());
  REQUIRE(deliveries->size() == 3);
  CHECK(deliveries->at(0).group_id == "g0");
  int cancelled = 0;
  for (const auto& d : *deliveries) cancelled += d.status == OutboxStatus::kCancelled;
  CHECK(cancelled == 1);
  auto after = store->GetCampaign(*id);
  REQUIRE(after.ok());
  CHECK((*after)->state == CampaignState::kCancelled);
  CHECK(store->Apply(resume, kT0 + 7 * kSecond).code() == StatusCode::kAborted);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a ticket lists its messages, a processed message moves to another ticket, "
                          "and a resident's tickets include those her reports joined",
                          Engine, store_conformance_15) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m1 = IngestOne(*store, "a");
  IngestItem second = Item("demo", "b");
  second.message.sender_id = "u2";
  auto ingested = store->Ingest({second}, kT0);
  REQUIRE(ingested.ok());
  const int64_t m2 = ingested->at(0).message_id;
  auto id = store->ReserveTicketIds(1);
  REQUIRE(id.ok());
  REQUIRE(store->Apply(OpenTicket(m1, *id), kT0).ok());
  // m2 joins the ticket as a duplicate: its message and the ticket's reporters in one change set.
  auto t = store->GetTicket(*id);
  REQUIRE(t.ok());
  REQUIRE(t->has_value());
  CHECK((*t)->reporters == 1);
  Ticket joined = **t;
  joined.reporters = 2;
  ChangeSet attach;
  attach.messages.push_back({m2, MessageState::kReceived, MessageState::kProcessed, "duplicate", *id});
  attach.ticket_updates.push_back({joined, 1});
  REQUIRE(store->Apply(attach, kT0 + kSecond).ok());
  auto linked = store->TicketMessages(*id);
  REQUIRE(linked.ok());
  REQUIRE(linked->size() == 2);
  CHECK(linked->at(0).id == m1);  // oldest first
  CHECK(linked->at(1).id == m2);
  t = store->GetTicket(*id);
  REQUIRE(t.ok());
  CHECK((*t)->reporters == 2);
  // Who counts as a reporter: the opener, and a resident whose report is linked; on that channel.
  const auto reported_by = [&](int64_t ticket, const char* channel, const char* sender) {
    auto r = store->ReportedBy(ticket, channel, sender);
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(reported_by(*id, "demo", (*t)->sender_id.c_str()));
  CHECK(reported_by(*id, "demo", "u2"));
  CHECK_FALSE(reported_by(*id, "demo", "u3"));
  CHECK_FALSE(reported_by(*id, "other", "u2"));
  CHECK_FALSE(reported_by(*id + 100, "demo", "u2"));

  TicketFilter hers;
  hers.channel = "demo";
  hers.sender = "u2";
  auto found = store->ListTickets(hers);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);  // she did not open it, but her report is linked to it
  CHECK(found->at(0).id == *id);
  hers.channel = "other";
  found = store->ListTickets(hers);
  REQUIRE(found.ok());
  CHECK(found->empty());

  // Split back out: the processed message moves to a new ticket.
  auto id2 = store->ReserveTicketIds(1);
  REQUIRE(id2.ok());
  ChangeSet split = OpenTicket(m2, *id2);
  split.messages[0].expected = MessageState::kProcessed;
  split.outbox.clear();
  REQUIRE(store->Apply(split, kT0 + 2 * kSecond).ok());
  linked = store->TicketMessages(*id);
  REQUIRE(linked.ok());
  CHECK(linked->size() == 1);
  auto moved = store->GetMessage(m2);
  REQUIRE(moved.ok());
  CHECK((*moved)->ticket_id == *id2);
  CHECK_FALSE(reported_by(*id, "demo", "u2"));  // her report left with the split
  CHECK(reported_by(*id2, "demo", "u2"));
  // The ticket a message opened, by message id (a split finds a report's own ticket this way).
  TicketFilter opened;
  opened.message_id = m2;
  found = store->ListTickets(opened);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->at(0).id == *id2);
  opened.message_id = m1;
  found = store->ListTickets(opened);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->at(0).id == *id);
  auto none = store->TicketMessages(*id2 + 100);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE_TEMPLATE_DEFINE("conformance: corrections are kept with their change set and listed with their message's "
                          "text, oldest first, from a time and page by id",
                          Engine, store_conformance_16) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m1 = IngestOne(*store, "a");
  const int64_t m2 = IngestOne(*store, "b");
  auto make = [](int64_t message, const std::string& kind, const std::string& category) {
    Correction k;
    k.message_id = message;
    k.ticket_id = 7;
    k.kind = kind;
    k.actor = "w-a";
    k.guess_category = "appeal";
    k.guess_intent = "appeal.facilities";
    k.category = category;
    k.intent = category == "none" ? "none" : category + ".other";
    return k;
  };
  ChangeSet first;
  first.corrections.push_back(make(m1, "reclassify", "legal_aid"));
  CHECK_FALSE(first.empty());
  REQUIRE(store->Apply(first, kT0).ok());
  // A change set that loses its race writes no correction either.
  ChangeSet lost;
  lost.messages.push_back({m2, MessageState::kProcessed, MessageState::kProcessed, "", 0});
  lost.corrections.push_back(make(m2, "dismiss", "none"));
  CHECK(store->Apply(lost, kT0 + kSecond).code() == StatusCode::kAborted);
  ChangeSet second;
  second.corrections.push_back(make(m2, "dismiss", "none"));
  REQUIRE(store->Apply(second, kT0 + 2 * kSecond).ok());

  auto all = store->ListCorrections(0, 0, 10);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  const LabelledCorrection& a = all->at(0);
  CHECK(a.correction.message_id == m1);
  CHECK(a.correction.kind == "reclassify");
  CHECK(a.correction.actor == "w-a");
  CHECK(a.correction.guess_intent == "appeal.facilities");
  CHECK(a.correction.category == "legal_aid");
  CHECK(a.correction.intent == "legal_aid.other");
  CHECK(a.correction.ticket_id == 7);
  CHECK(a.correction.at == kT0);
  CHECK(a.text == "楼道灯坏了");
  CHECK(all->at(1).correction.kind == "dismiss");
  auto later = store->ListCorrections(kT0 + kSecond, 0, 10);
  REQUIRE(later.ok());
  REQUIRE(later->size() == 1);
  CHECK(later->at(0).correction.message_id == m2);
  auto page = store->ListCorrections(0, all->at(0).correction.id, 1);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 1);
  CHECK(page->at(0).correction.id == all->at(1).correction.id);
}

TEST_CASE_TEMPLATE_DEFINE("conformance: a warning is stored once per message with its evidence, found by group and "
                          "template within a window, counts its repeats, is marked a false alarm once, and is listed "
                          "through its ticket's scope",
                          Engine, store_conformance_17) {
  std::unique_ptr<Store> store = Engine::Make();
  const int64_t m1 = IngestOne(*store, "a");
  const int64_t m2 = IngestOne(*store, "b");
  auto id = store->ReserveTicketIds(2);
  REQUIRE(id.ok());
  ChangeSet open = OpenTicket(m1, *id);
  Warning w;
  w.message_id = m1;
  w.ticket_id = *id;
  w.channel = "demo";
  w.group_id = "g1";
  w.sender_id = "u1";
  w.intent = "anti_fraud.fake_loan";
  w.template_key = "anti_fraud.fake_loan";
  w.mode = "group";
  w.rules = nlohmann::json::array({{{"intent", "anti_fraud.fake_loan"}, {"pattern_id", "anti_fraud.yaml:170"}}});
  w.outbox_key = "m1:warning";
  w.text = "⚠️反诈提醒";
  open.new_warnings.push_back(w);
  // The same message warned twice (a plan applied again) keeps one row.
  open.new_warnings.push_back(w);
  REQUIRE(store->Apply(open, kT0).ok());

  auto found = store->RecentWarning("demo", "g1", "anti_fraud.fake_loan", kT0);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  const Warning& r = **found;
  CHECK(r.id > 0);
  CHECK(r.message_id == m1);
  CHECK(r.ticket_id == *id);
  CHECK(r.sender_id == "u1");
  CHECK(r.intent == "anti_fraud.fake_loan");
  CHECK(r.mode == "group");
  CHECK(r.rules == w.rules);
  CHECK(r.outbox_key == "m1:warning");
  CHECK(r.text == "⚠️反诈提醒");
  CHECK(r.created_at == kT0);
  CHECK(r.repeats == 0);
  // Outside the window, in another group or for another template: none.
  for (auto [group, key, since] : {std::tuple<const char*, const char*, int64_t>{"g1", "anti_fraud.fake_loan", kT0 + 1},
                                   {"g2", "anti_fraud.fake_loan", kT0}, {"g1", "fallback", kT0}}) {
    auto none = store->RecentWarning("demo", group, key, since);
    REQUIRE(none.ok());
    CHECK(!none->has_value());
  }

  // A repeat counts on the warning its first message caused; one that names no warning aborts.
  ChangeSet repeat = OpenTicket(m2, *id + 1);
  repeat.outbox.clear();
  repeat.warning_repeats.push_back({m1, m2});
  ChangeSet orphan;
  orphan.warning_repeats.push_back({m2, m2});
  auto applied = store->Apply({repeat, orphan}, kT0 + kSecond);
  REQUIRE(applied.ok());
  CHECK(applied->at(0));
  CHECK(!applied->at(1));
  auto got = store->GetWarning(r.id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->repeats == 1);
  CHECK((*got)->last_repeat_at == kT0 + kSecond);

  // Marked a false alarm once: who, when, why; a second mark aborts.
  ChangeSet mark;
  mark.false_alarms.push_back({r.id, "w-a", "转述新闻"});
  REQUIRE(store->Apply(mark, kT0 + 2 * kSecond).ok());
  CHECK(store->Apply(mark, kT0 + 3 * kSecond).code() == StatusCode::kAborted);
  got = store->GetWarning(r.id);
  REQUIRE(got.ok());
  CHECK((*got)->false_alarm_by == "w-a");
  CHECK((*got)->false_alarm_at == kT0 + 2 * kSecond);
  CHECK((*got)->false_alarm_reason == "转述新闻");
  auto missing = store->GetWarning(r.id + 100);
  REQUIRE(missing.ok());
  CHECK(!missing->has_value());

  // Listed newest first, by ticket, and only through a scope that holds the ticket.
  WarningFilter f;
  auto all = store->ListWarnings(f);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  f.ticket_id = *id + 1;
  all = store->ListWarnings(f);
  REQUIRE(all.ok());
  CHECK(all->empty());
  f.ticket_id = 0;
  f.scope = TicketScope{};
  f.scope->grids = {"grid-a"};
  all = store->ListWarnings(f);
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
  f.scope->grids = {"grid-elsewhere"};
  all = store->ListWarnings(f);
  REQUIRE(all.ok());
  CHECK(all->empty());
}

TEST_CASE_TEMPLATE_DEFINE("conformance: batched rows wait for their group's flush, which takes exactly the rows it "
                          "read; an ensured timer never moves one that exists",
                          Engine, store_conformance_18) {
  std::unique_ptr<Store> store = Engine::Make();
  auto batched = [](const std::string& key, const std::string& group = "g1") {
    OutboxEntry e = Row(key);
    e.message.group_id = group;
    e.status = OutboxStatus::kBatched;
    return e;
  };
  const Timer window{0, "budget:demo/g1", "reply_budget", 0, kT0, {{"channel", "demo"}, {"group", "g1"}}};
  ChangeSet hold = WithOutbox({batched("a1"), batched("a2"), batched("other", "g2"), Row("now")});
  hold.ensure_timers = {window};
  REQUIRE(store->Apply(hold, kT0).ok());
  // Held rows are never leased and never due; only the plain row goes.
  auto leased = store->LeaseOutbox(kT0 + kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(leased.ok());
  REQUIRE(leased->size() == 1);
  CHECK(leased->at(0).message.idempotency_key == "now");
  REQUIRE(store->RecordOutcomes({{leased->at(0).message.id, OutboxOutcome::Kind::kSent, 1, 0, ""}}, kT0 + kSecond).ok());
  auto due = store->NextOutboxDue();
  REQUIRE(due.ok());
  CHECK_FALSE(due->has_value());
  auto g1 = store->BatchedOutbox("demo", "g1");
  REQUIRE(g1.ok());
  REQUIRE(g1->size() == 2);
  CHECK(g1->at(0).message.idempotency_key == "a1");  // oldest first
  CHECK(g1->at(1).message.idempotency_key == "a2");
  CHECK(g1->at(0).status == OutboxStatus::kBatched);
  auto g2 = store->BatchedOutbox("demo", "g2");
  REQUIRE(g2.ok());
  CHECK(g2->size() == 1);

  // Ensuring a timer that exists leaves it where it is.
  ChangeSet again = WithOutbox({batched("a3")});
  again.ensure_timers = {window};
  again.ensure_timers[0].due_at = kT0 + 99 * kSecond;
  REQUIRE(store->Apply(again, kT0 + 2 * kSecond).ok());
  auto timers = store->LeaseDueTimers(kT0 + 2 * kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(timers.ok());
  REQUIRE(timers->size() == 1);
  CHECK(timers->at(0).due_at == kT0);
  CHECK(timers->at(0).payload["group"] == "g1");

  // A flush of the two rows it read is refused: a third was held since.
  const int64_t a1 = g1->at(0).message.id, a2 = g1->at(1).message.id;
  ChangeSet stale;
  stale.fired_timers = {timers->at(0).id};
  stale.budget_flushes = {{"demo", "g1", {a1, a2}, false}};
  stale.outbox = {Row("digest")};
  CHECK(store->Apply(stale, kT0 + 3 * kSecond).code() == StatusCode::kAborted);
  auto none = store->ListOutbox(WithStatus(OutboxStatus::kMerged));
  REQUIRE(none.ok());
  CHECK(none->empty());

  // With all three: they are merged, the digest is pending, and the next window is set.
  auto all = store->BatchedOutbox("demo", "g1");
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  ChangeSet flush = stale;
  flush.budget_flushes[0].rows = {a1, a2, all->at(2).message.id};
  flush.schedule_timers = {window};
  flush.schedule_timers[0].due_at = kT0 + 63 * kSecond;
  REQUIRE(store->Apply(flush, kT0 + 3 * kSecond).ok());
  auto merged = store->ListOutbox(WithStatus(OutboxStatus::kMerged));
  REQUIRE(merged.ok());
  CHECK(merged->size() == 3);
  auto digest = store->LeaseOutbox(kT0 + 3 * kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(digest.ok());
  REQUIRE(digest->size() == 1);
  CHECK(digest->at(0).message.idempotency_key == "digest");
  auto left = store->BatchedOutbox("demo", "g1");
  REQUIRE(left.ok());
  CHECK(left->empty());
  auto next = store->NextTimerDue(kT0 + 3 * kSecond);
  REQUIRE(next.ok());
  CHECK(next->value_or(0) == kT0 + 63 * kSecond);

  // A release lets its one row go as it is, due at once; a closing flush of no rows applies only
  // while none is held.
  auto other = store->BatchedOutbox("demo", "g2");
  REQUIRE(other.ok());
  ChangeSet close;
  close.budget_flushes = {{"demo", "g2", {}, false}};
  CHECK(store->Apply(close, kT0 + 4 * kSecond).code() == StatusCode::kAborted);
  ChangeSet release;
  release.budget_flushes = {{"demo", "g2", {other->at(0).message.id}, true}};
  REQUIRE(store->Apply(release, kT0 + 4 * kSecond).ok());
  auto released = store->LeaseOutbox(kT0 + 4 * kSecond, 10, kT0 + 60 * kSecond);
  REQUIRE(released.ok());
  REQUIRE(released->size() == 1);
  CHECK(released->at(0).message.idempotency_key == "other");
  CHECK(released->at(0).message.text == "收到");
  REQUIRE(store->Apply(close, kT0 + 5 * kSecond).ok());
  // A row is inserted pending or batched, nothing else.
  OutboxEntry sent = Row("sent-already");
  sent.status = OutboxStatus::kSent;
  CHECK(store->Apply(WithOutbox({sent}), kT0 + 5 * kSecond).code() == StatusCode::kInvalidArgument);
}

}  // namespace gridrelay::testing::conformance

// Instantiates every case of the suite for each engine type given.
#define GR_STORE_CONFORMANCE(...) \
  namespace gridrelay::testing::conformance { \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_1, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_2, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_3, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_4, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_10, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_11, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_12, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_5, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_6, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_7, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_8, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_9, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_13, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_14, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_15, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_16, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_17, __VA_ARGS__); \
  TEST_CASE_TEMPLATE_INVOKE(store_conformance_18, __VA_ARGS__); \
  }
