// The WeCom (企业微信) adapter's entry point: registers the `wecom` channel type.
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::wecom {

// Registers the factory for channels of type "wecom" (see adapters/wecom/README.md).
void Register(AdapterRegistry& registry);

}  // namespace gridrelay::wecom
