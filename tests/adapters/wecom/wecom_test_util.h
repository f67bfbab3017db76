// Shared helpers for the WeCom adapter tests: channel specs, signed and encrypted callbacks
// built independently of the adapter (so that tests do not check the adapter against itself).
#pragma once

#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "adapters/wecom/msg_crypt.h"
#include "adapters/wecom/wecom.h"
#include "gateway/core/adapter.h"
#include "tests/adapters/common/adapter_test_util.h"

namespace gridrelay::wecom::testing {

inline constexpr const char* kToken = "gridrelay-demo-token";
inline constexpr const char* kAesKey = "Z3JpZHJlbGF5LWRlbW8tYWVzLWtleS0zMi1ieXRlcyE";
inline constexpr const char* kCorpId = "wx5823bf96d3bd56c7";

// A channel section as the config loader would hand it over: file and line per key.
inline ChannelSpec Spec(nlohmann::json settings, const std::string& name = "wecom-test") {
  return gridrelay::testing::TestChannelSpec("wecom", name, 40, std::move(settings));
}

inline nlohmann::json RobotSettings() {
  return {{"mode", "robot"}, {"token", kToken}, {"encoding_aes_key", kAesKey}};
}

inline nlohmann::json AppSettings() {
  return {{"mode", "app"}, {"token", kToken}, {"encoding_aes_key", kAesKey}, {"corp_id", kCorpId}};
}

inline std::unique_ptr<Adapter> MakeAdapter(const nlohmann::json& settings, const AdapterEnv& env = {}) {
  return gridrelay::testing::CreateAdapter(Register, Spec(settings), env);
}

// A POST callback carrying `plaintext`, encrypted for `receive_id` and signed with the demo
// token, in the XML or JSON envelope.
inline WebhookRequest EncryptedPost(const std::string& plaintext, const std::string& receive_id, int64_t timestamp,
                                    bool json_envelope = false, const std::string& nonce = "1372623149") {
  auto crypt = MsgCrypt::Create(kToken, kAesKey, receive_id);
  REQUIRE(crypt.ok());
  const std::string encrypted = crypt->Encrypt(plaintext);
  WebhookRequest request;
  request.method = "POST";
  request.query = {{"msg_signature", crypt->Sign(std::to_string(timestamp), nonce, encrypted)},
                   {"timestamp", std::to_string(timestamp)},
                   {"nonce", nonce}};
  request.body = json_envelope ? nlohmann::json{{"encrypt", encrypted}}.dump()
                               : "<xml><Encrypt><![CDATA[" + encrypted + "]]></Encrypt></xml>";
  return request;
}

}  // namespace gridrelay::wecom::testing
