// Inbox: routes committed messages after they were acknowledged, so the platform never waits on
// routing, notification or delivery. For each `received` message it asks the handlers (see
// message_handler.h), else the Router, and commits the plan as one conditional ChangeSet: the
// message leaves `received` together with its ticket, events and outbox rows, or not at all. So
// a crash at any point either leaves the message `received` (it is routed again on restart) or
// routed exactly once, and two processors can never open two tickets for one message.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/core/clock.h"
#include "gateway/ingest/message_handler.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"
#include "util/metrics.h"
#include "util/worker_loop.h"

namespace gridrelay {

class Inbox {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;

  // `on_enqueued` runs after outbox rows were committed (wakes the dispatcher). The store,
  // clock, metrics and handlers must outlive the inbox.
  Inbox(Store* store, const Clock* clock, Metrics* metrics, RuntimeFn runtime, ProcessingOptions options, LogFn log,
        std::function<void()> on_enqueued, std::vector<MessageHandler*> handlers = {});
  ~Inbox();

  void Start();
  void Stop();
  void Wake();

  // Routes what is pending now; returns how many messages it completed.
  StatusOr<int> ProcessPending();

 private:
  // One pass of the worker loop; returns when to run the next.
  int64_t Step();
  // The change set that opens a ticket, puts the message in triage or closes it.
  // `now` is the dispatch time: the deadline clocks start there.
  ChangeSet Route(const Runtime& rt, const StoredMessage& message, const RouteDecision& d, int64_t ticket_id,
                  int64_t now) const;
  // The warnings of this pass: (channel, group, template) -> the message that warned and its ticket.
  using WarnedInPass = std::map<std::tuple<std::string, std::string, std::string>, std::pair<int64_t, int64_t>>;
  // Adds to `plan` (which opens ticket `ticket_id`) the instant warning its message causes, or,
  // when the same warning went to the group within the window (in the store or earlier in this
  // pass), a repeat counted on that one. Deterministic for a message and store state, since the
  // window is measured from the message's arrival.
  Status AddWarning(const Runtime& rt, const StoredMessage& message, const RouteDecision& d, int64_t ticket_id,
                    WarnedInPass* warned, ChangeSet* plan);
  // For a ticket routed to a team with members: the on-duty member with the fewest open
  // tickets (then the one given a ticket least recently, then by id); everyone when nobody is
  // on duty. Counts the choice in *loads, so later tickets of the batch see it.
  static void ChooseMember(const Config& config, const StoredMessage& message, int64_t ticket_id,
                           std::map<std::string, StaffLoad>* loads, RouteDecision* d);

  Store* store_;
  const Clock* clock_;
  Metrics* metrics_;
  RuntimeFn runtime_;
  const ProcessingOptions options_;
  LogFn log_;
  std::function<void()> on_enqueued_;
  std::vector<MessageHandler*> handlers_;
  bool deferred_some_ = false;  // the last pass left a message for after its commit (loop thread)
  WorkerLoop loop_;
};

}  // namespace gridrelay
