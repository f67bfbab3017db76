// Builders shared by the conformance suite and the engine-specific store tests: plain data in,
// plain data out, so that every engine is fed exactly the same change sets.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/store/store.h"

namespace gridrelay::testing::conformance {

constexpr int64_t kT0 = 1'800'000'000'000'000;  // 2027-01-15, in microseconds
constexpr int64_t kSecond = 1'000'000;

inline IngestItem Item(const std::string& channel, const std::string& key, const std::string& text = "楼道灯坏了") {
  IngestItem item;
  item.message.channel = channel;
  item.message.dedup_key = key;
  item.message.platform_msg_id = key;
  item.message.group_id = "g1";
  item.message.sender_id = "u1";
  item.message.text = text;
  item.classification.category = "appeal";
  item.classification.intent = "appeal.facilities";
  return item;
}

inline OutboxEntry Row(const std::string& key, int priority = priority::kResident, int64_t due = 0) {
  OutboxEntry e;
  e.message.channel = "demo";
  e.message.kind = outbound_kind::kGroupAck;
  e.message.group_id = "g1";
  e.message.text = "收到";
  e.message.idempotency_key = key;
  e.priority = priority;
  e.rate_key = "demo|group:g1";
  e.next_attempt_at = due;
  return e;
}

inline ChangeSet WithOutbox(std::vector<OutboxEntry> rows) {
  ChangeSet c;
  c.outbox = std::move(rows);
  return c;
}

inline OutboxFilter WithStatus(OutboxStatus status) {
  OutboxFilter f;
  f.status = status;
  return f;
}

inline int64_t IngestOne(Store& store, const std::string& key) {
  auto r = store.Ingest({Item("demo", key)}, kT0);
  REQUIRE(r.ok());
  return r->at(0).message_id;
}

// A change set that routes message `message_id` into a new ticket `ticket_id` with one event
// and one outbox row.
inline ChangeSet OpenTicket(int64_t message_id, int64_t ticket_id) {
  ChangeSet c;
  c.messages.push_back({message_id, MessageState::kReceived, MessageState::kProcessed, "", ticket_id});
  Ticket t;
  t.id = ticket_id;
  t.message_id = message_id;
  t.channel = "demo";
  t.group_id = "g1";
  t.grid_id = "grid-a";
  t.category = "appeal";
  t.intent = "appeal.facilities";
  t.status = TicketStatus::kDispatched;
  t.level = "grid";
  t.assignee_kind = "staff";
  t.assignee_id = "w-a";
  c.new_tickets.push_back(t);
  c.events.push_back({0, ticket_id, 0, "system", "created", {{"message_id", message_id}}});
  OutboxEntry ack = Row("m" + std::to_string(message_id) + ":group_ack");
  ack.message_id = message_id;
  ack.ticket_id = ticket_id;
  c.outbox.push_back(ack);
  return c;
}

}  // namespace gridrelay::testing::conformance
