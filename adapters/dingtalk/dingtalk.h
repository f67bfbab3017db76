// The DingTalk adapter (type `dingtalk`): enterprise robot outgoing callbacks (timestamp +
// sign headers, optional source-address allow-list) in; the conversation's sessionWebhook or
// a signed custom robot (自定义机器人) out.
// Settings and their defaults are documented in adapters/dingtalk/README.md.
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::dingtalk {

// Registers the factory for channels of type "dingtalk".
void Register(AdapterRegistry& registry);

}  // namespace gridrelay::dingtalk
