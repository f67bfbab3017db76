// DingTalk robot callbacks (adapters/dingtalk). Sealed: the body with valid timestamp and sign
// headers (DingTalk's sign covers the timestamp and secret only, never the body).
#include "adapters/dingtalk/dingtalk.h"
#include "adapters/dingtalk/dingtalk_wire.h"
#include "fuzz/adapter_fuzz.h"

namespace gf = gridrelay::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto adapter =
      gf::MakeAdapter(gridrelay::dingtalk::Register, "dingtalk", {{"app_secret", "fuzz-dingtalk-secret"}});
  const gf::AdapterInput in = gf::SplitInput(data, size);
  gridrelay::WebhookRequest request;
  if (in.sealed) {
    request.method = "POST";
    request.remote_addr = "127.0.0.1";
    request.headers["content-type"] = "application/json";
    request.headers["timestamp"] = std::to_string(gf::kNow * 1000);
    request.headers["sign"] = gridrelay::dingtalk::Sign(gf::kNow * 1000, "fuzz-dingtalk-secret");
    request.body = std::string(in.rest);
  } else {
    request = gf::RawRequest(in.rest);
  }
  gf::ParseAndCheck(*adapter, request);
  return 0;
}
