// The generic JSON webhook (adapters/generic). Sealed: the body with the right bearer secret.
#include "adapters/generic/generic_adapter.h"
#include "fuzz/adapter_fuzz.h"

namespace gf = gridrelay::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto adapter =
      gf::MakeAdapter(gridrelay::generic::Register, "generic", {{"secret", "fuzz-generic-secret"}});
  const gf::AdapterInput in = gf::SplitInput(data, size);
  gridrelay::WebhookRequest request;
  if (in.sealed) {
    request.method = "POST";
    request.headers["authorization"] = "Bearer fuzz-generic-secret";
    request.body = std::string(in.rest);
  } else {
    request = gf::RawRequest(in.rest);
  }
  gf::ParseAndCheck(*adapter, request);
  return 0;
}
