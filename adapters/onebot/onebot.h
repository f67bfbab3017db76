// The OneBot adapter (type `onebot`): QQ bots run by a OneBot v11 or v12 implementation
// (go-cqhttp, NapCat, Lagrange, Walle-Q...). Inbound: v11 HTTP POST events signed with
// X-Signature, or v12 webhook events with a Bearer token. Outbound: the implementation's
// HTTP API (v11 send_group_msg / send_private_msg, v12 send_message).
// Settings and their defaults are documented in adapters/onebot/README.md.
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::onebot {

// Registers the factory for channels of type "onebot".
void Register(AdapterRegistry& registry);

}  // namespace gridrelay::onebot
