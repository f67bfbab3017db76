// MessageHandler: how rooms that come after ingest (the workflow's chat commands and replies,
// later campaigns) take part in processing a committed message, without ingest including them.
// gateway/ wires the handlers into the Inbox; each is asked in order, and the first that claims
// a message plans its whole change set. A message no handler claims is routed as today: a
// ticket, triage, or nothing.
#pragma once

#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"

namespace gridrelay {

class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  // Claims `message` by filling `change` (which already moves the message out of `received`)
  // and returning true. Must be deterministic for a given message and store state, so that a
  // message processed again after a crash is planned the same way. May read the store.
  virtual StatusOr<bool> Plan(const Runtime& rt, const StoredMessage& message, ChangeSet* change) = 0;
  // Called before each pass plans its batch. A handler may carry what it planned earlier in the
  // pass to later messages of the same pass (a ticket's state after the reports it took), never
  // into the next pass: a pass's change sets may not all be applied.
  virtual void BeginPass() {}
  // Whether `later` must wait until `earlier`, a message of the same batch about to open a
  // ticket, is committed: a handler that decides from the open tickets (duplicate appeals)
  // cannot see one opened in the same transaction. The inbox then leaves `later` for the next
  // pass. Default: never.
  virtual bool WaitsFor(const Runtime& rt, const StoredMessage& later, const StoredMessage& earlier) const {
    (void)rt, (void)later, (void)earlier;
    return false;
  }
};

}  // namespace gridrelay
