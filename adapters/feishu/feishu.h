// The Feishu/Lark adapter (type `feishu`): event subscription callbacks (url_verification,
// Encrypt Key decryption, the X-Lark-Signature check, schema 2.0 im.message.receive_v1) in,
// and the IM API (tenant_access_token) or a group custom bot webhook (signed mode) out.
// Settings and their defaults are documented in adapters/feishu/README.md.
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::feishu {

// Registers the factory for channels of type "feishu".
void Register(AdapterRegistry& registry);

}  // namespace gridrelay::feishu
