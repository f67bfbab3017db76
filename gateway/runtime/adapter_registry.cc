// The one place that knows every adapter compiled into the binary.
#include "adapters/generic/generic_adapter.h"
#include "adapters/log/log_adapter.h"
#include "gateway/runtime/runtime.h"
#ifdef GRIDRELAY_WITH_WECOM
#include "adapters/wecom/wecom.h"
#endif
#ifdef GRIDRELAY_WITH_ONEBOT
#include "adapters/onebot/onebot.h"
#endif
#ifdef GRIDRELAY_WITH_FEISHU
#include "adapters/feishu/feishu.h"
#endif
#ifdef GRIDRELAY_WITH_DINGTALK
#include "adapters/dingtalk/dingtalk.h"
#endif

namespace gridrelay {

const AdapterRegistry& BuiltinAdapters() {
  static const AdapterRegistry* registry = [] {
    auto* r = new AdapterRegistry();
    generic::Register(*r);
    log_channel::Register(*r);
#ifdef GRIDRELAY_WITH_WECOM
    wecom::Register(*r);
#endif
#ifdef GRIDRELAY_WITH_ONEBOT
    onebot::Register(*r);
#endif
#ifdef GRIDRELAY_WITH_FEISHU
    feishu::Register(*r);
#endif
#ifdef GRIDRELAY_WITH_DINGTALK
    dingtalk::Register(*r);
#endif
    return r;
  }();
  return *registry;
}

}  // namespace gridrelay
