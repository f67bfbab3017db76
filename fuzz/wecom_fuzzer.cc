// WeCom callbacks (adapters/wecom), group robot or self-built app (flag bit 0).
// Sealed, flag bit 1 clear: the plaintext XML/JSON is encrypted and signed (the payload parser
// and field extraction see hostile bytes). Flag bit 1 set: the rest is used as the ciphertext
// itself and only signed, so that decryption (MsgCrypt::Open's length and padding checks) sees
// hostile bytes behind a valid signature. Flag bit 2: the JSON envelope instead of XML.
#include "adapters/wecom/msg_crypt.h"
#include "adapters/wecom/wecom.h"
#include "fuzz/adapter_fuzz.h"

namespace gf = gridrelay::fuzz;
using gridrelay::wecom::MsgCrypt;

namespace {

constexpr const char* kToken = "fuzz-wecom-token";
constexpr const char* kAesKey = "Z3JpZHJlbGF5LWZ1enotYWVzLWtleS0zMi1ieXRlcyE";
constexpr const char* kCorpId = "wwfuzzcorp";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto robot = gf::MakeAdapter(gridrelay::wecom::Register, "wecom",
                                            {{"mode", "robot"}, {"token", kToken}, {"encoding_aes_key", kAesKey}});
  static const auto app = gf::MakeAdapter(
      gridrelay::wecom::Register, "wecom",
      {{"mode", "app"}, {"token", kToken}, {"encoding_aes_key", kAesKey}, {"corp_id", kCorpId}});
  const gf::AdapterInput in = gf::SplitInput(data, size);
  const bool is_app = (in.flags & 1) != 0;
  if (!in.sealed) {
    gf::ParseAndCheck(is_app ? *app : *robot, gf::RawRequest(in.rest));
    return 0;
  }
  static const MsgCrypt robot_crypt = *gf::Must(MsgCrypt::Create(kToken, kAesKey, ""), "robot crypt");
  static const MsgCrypt app_crypt = *gf::Must(MsgCrypt::Create(kToken, kAesKey, kCorpId), "app crypt");
  const MsgCrypt& crypt = is_app ? app_crypt : robot_crypt;
  // Fixed random bytes keep an input's request the same on every run (libFuzzer needs that).
  const std::string ciphertext = (in.flags & 2) != 0 ? std::string(in.rest)
                                                     : *crypt.EncryptWithRandom(in.rest, "0123456789abcdef");
  const std::string timestamp = std::to_string(gf::kNow);
  gridrelay::WebhookRequest request;
  request.method = "POST";
  request.query = {{"msg_signature", crypt.Sign(timestamp, "fuzz", ciphertext)}, {"timestamp", timestamp}, {"nonce", "fuzz"}};
  request.body = (in.flags & 4) != 0 ? nlohmann::json{{"encrypt", ciphertext}}.dump(-1, ' ', false,
                                                                                    nlohmann::json::error_handler_t::replace)
                                     : "<xml><Encrypt><![CDATA[" + ciphertext + "]]></Encrypt></xml>";
  gf::ParseAndCheck(is_app ? *app : *robot, request);
  return 0;
}
