// Feishu event callbacks (adapters/feishu): flag bit 0 clear, a channel with a Verification
// Token only (the body is the event); set, a channel with an Encrypt Key. Sealed on the
// encrypted channel: the event is encrypted into {"encrypt"} and the body signed
// (X-Lark-Signature), so the event parser sees hostile bytes. Raw on it: decryption does.
#include "adapters/feishu/feishu.h"
#include "adapters/feishu/feishu_wire.h"
#include "fuzz/adapter_fuzz.h"

namespace gf = gridrelay::fuzz;

namespace {
constexpr const char* kKey = "fuzz-feishu-encrypt-key";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto plain =
      gf::MakeAdapter(gridrelay::feishu::Register, "feishu", {{"verification_token", "vtok"}});
  static const auto encrypted = gf::MakeAdapter(gridrelay::feishu::Register, "feishu",
                                                {{"verification_token", "vtok"}, {"encrypt_key", kKey}});
  const gf::AdapterInput in = gf::SplitInput(data, size);
  const bool is_encrypted = (in.flags & 1) != 0;
  gridrelay::WebhookRequest request;
  if (in.sealed) {
    request.method = "POST";
    request.headers["content-type"] = "application/json";
    if (is_encrypted) {
      const std::string ciphertext = *gf::Must(gridrelay::feishu::Encrypt(kKey, in.rest, "0123456789abcdef"), "encrypt");
      request.body = nlohmann::json{{"encrypt", ciphertext}}.dump();
      const std::string timestamp = std::to_string(gf::kNow);
      request.headers["x-lark-request-timestamp"] = timestamp;
      request.headers["x-lark-request-nonce"] = "fuzz";
      request.headers["x-lark-signature"] = gridrelay::feishu::RequestSignature(timestamp, "fuzz", kKey, request.body);
    } else {
      request.body = std::string(in.rest);
    }
  } else {
    request = gf::RawRequest(in.rest);
  }
  gf::ParseAndCheck(is_encrypted ? *encrypted : *plain, request);
  return 0;
}
