// OneBot v11 (flag bit 0 clear: X-Signature HMAC-SHA1 over the body) and v12 (set: a bearer
// access token) event posts (adapters/onebot). Sealed: the event JSON, correctly authenticated.
#include "adapters/onebot/onebot.h"
#include "fuzz/adapter_fuzz.h"
#include "util/crypto.h"

namespace gf = gridrelay::fuzz;
namespace crypto = gridrelay::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto v11 =
      gf::MakeAdapter(gridrelay::onebot::Register, "onebot", {{"version", 11}, {"secret", "fuzz-onebot-secret"}});
  static const auto v12 =
      gf::MakeAdapter(gridrelay::onebot::Register, "onebot", {{"version", 12}, {"access_token", "fuzz-onebot-token"}});
  const gf::AdapterInput in = gf::SplitInput(data, size);
  const bool is_v12 = (in.flags & 1) != 0;
  gridrelay::WebhookRequest request;
  if (in.sealed) {
    request.method = "POST";
    request.body = std::string(in.rest);
    request.headers["content-type"] = "application/json";
    if (is_v12) {
      request.headers["authorization"] = "Bearer fuzz-onebot-token";
    } else {
      request.headers["x-signature"] = "sha1=" + crypto::HexEncode(crypto::HmacSha1("fuzz-onebot-secret", request.body));
    }
  } else {
    request = gf::RawRequest(in.rest);
  }
  gf::ParseAndCheck(is_v12 ? *v12 : *v11, request);
  return 0;
}
