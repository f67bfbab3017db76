// WebhookIngest: everything a platform callback goes through between the HTTP layer and the
// platform's answer, in the fixed order verify -> handshake -> parse -> policy -> group commit
// -> acknowledge. The HTTP layer (gateway/server) only converts requests and replies; what to
// do with a message is decided here:
//   - which channel and adapter, and whether its group may post (generic refuses unknown groups);
//   - the sender's role (resident, staff, the bot): only residents' messages are classified;
//   - the safety reply for an urgent message, committed in the same transaction as the message.
// A 200 (the adapter's acknowledgement) is returned only after the commit. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gateway/core/adapter.h"
#include "gateway/core/clock.h"
#include "gateway/ingest/group_commit.h"
#include "gateway/runtime/runtime.h"
#include "util/metrics.h"

namespace gridrelay {

// The ingest policy for one parsed message: the sender's role, the classification and the
// safety reply. Pure: a function of the runtime, the adapter and the message.
IngestItem PlanIngest(const Runtime& rt, const Adapter& adapter, InboundMessage message);

class WebhookIngest {
 public:
  using RuntimeFn = std::function<std::shared_ptr<const Runtime>()>;

  // All pointers must outlive this object.
  WebhookIngest(const Clock* clock, RuntimeFn runtime, GroupCommitter* committer, Metrics* metrics, LogFn log);

  // Handles one callback to /webhook/<type>/<channel>. Never throws.
  WebhookReply Handle(const std::string& type, const std::string& channel, const WebhookRequest& request) const;

 private:
  const Clock* clock_;
  RuntimeFn runtime_;
  GroupCommitter* committer_;
  Metrics* metrics_;
  LogFn log_;
};

}  // namespace gridrelay
