// MsgCrypt: WeCom's callback crypto (the "WXBizMsgCrypt" of Tencent's sample libraries),
// shared by the group-robot callback and the self-built-app callback (protocols.md §A.2-A.4).
//
// Signature: lower-case hex SHA-1 over the byte-wise sorted concatenation of token,
// timestamp, nonce and the Base64 ciphertext. Cipher: AES-256-CBC, key = Base64(EncodingAESKey
// + "="), IV = the key's first 16 bytes, PKCS#7 padding to 32-byte blocks, plaintext
// random(16) || msg_len (4 bytes, big-endian) || msg || receive_id. The receive id is the
// CorpID for apps and "" for group robots.
//
// Unlike the official samples, Open() bounds-checks msg_len (it is attacker-controlled after
// decryption) and the padding byte before slicing. Immutable after Create; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace gridrelay::wecom {

// The pieces of a decrypted WeCom payload.
struct OpenedMessage {
  std::string random;      // the 16 random bytes the sender chose
  std::string msg;         // the message: XML, JSON or (URL verification) the echo string
  std::string receive_id;  // CorpID, or "" for group robots
};

class MsgCrypt {
 public:
  // An EncodingAESKey is 43 characters of [A-Za-z0-9]: the Base64 of 32 bytes without "=".
  static constexpr size_t kEncodingAesKeyLength = 43;
  static constexpr size_t kBlockSize = 32;  // WeCom pads to 32, not to AES's 16
  // Ciphertexts beyond this (Base64 characters) are refused before decoding. WeCom messages
  // are a few KiB; the gateway caps bodies too, but this check does not rely on it.
  static constexpr size_t kMaxCiphertextLength = 1 << 20;

  // kInvalidArgument if the key is not 43 Base64 characters decoding to 32 bytes. The error
  // never quotes the key.
  static StatusOr<MsgCrypt> Create(std::string token, std::string_view encoding_aes_key,
                                   std::string receive_id);

  // The msg_signature for (timestamp, nonce, ciphertext).
  std::string Sign(std::string_view timestamp, std::string_view nonce, std::string_view ciphertext) const;
  // kUnauthenticated unless `signature` matches (constant-time).
  Status Verify(std::string_view signature, std::string_view timestamp, std::string_view nonce,
                std::string_view ciphertext) const;

  // Decrypts and splits a Base64 ciphertext without checking the receive id. kInvalidArgument
  // for bad Base64, a length that is not whole blocks, bad padding or a lying msg_len;
  // kPayloadTooLarge past kMaxCiphertextLength.
  StatusOr<OpenedMessage> Open(std::string_view ciphertext) const;
  // Open() plus the receive-id check (kUnauthenticated on mismatch); returns the message.
  StatusOr<std::string> Decrypt(std::string_view ciphertext) const;

  // Base64 ciphertext of `msg` with this receive id and fresh random bytes.
  std::string Encrypt(std::string_view msg) const;
  // The same with chosen random bytes (exactly 16), which makes the output reproducible:
  // for test vectors and nothing else.
  StatusOr<std::string> EncryptWithRandom(std::string_view msg, std::string_view random16) const;

  const std::string& receive_id() const { return receive_id_; }

 private:
  MsgCrypt(std::string token, std::string key, std::string receive_id)
      : token_(std::move(token)), key_(std::move(key)), receive_id_(std::move(receive_id)) {}

  std::string token_;
  std::string key_;  // 32 bytes; the IV is its first 16
  std::string receive_id_;
};

}  // namespace gridrelay::wecom
