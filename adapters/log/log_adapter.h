// The `log` channel type: an outbound-only channel that records each delivery in the
// structured log (the outbox row keeps the rest). The demo's staff notifications use it, so
// the demo works with nothing else running.
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::log_channel {

void Register(AdapterRegistry& registry);

}  // namespace gridrelay::log_channel
