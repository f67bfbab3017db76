// Payload: the decoded form of a WeCom callback body or decrypted message, whichever of its
// two wire formats (XML or JSON) it came in.
//
// WeCom sends the same fields as CamelCase XML elements (<WebhookUrl>, <From><UserId>) or as
// snake_case JSON keys ("webhook_url", "from":{"userid"}), chosen per callback URL. Both are
// parsed into one small tree whose names are normalised (lower-cased, '_' dropped), so the
// field extraction in the adapter is written once. Parsing is defensive: pugixml load_string
// with the DOCTYPE parsed only to be rejected (entities are never expanded), nlohmann::json
// without exceptions, and depth and node-count limits on both.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/status.h"

namespace gridrelay::wecom {

enum class PayloadFormat { kXml, kJson };

struct PayloadNode {
  // Declared here and defaulted in payload.cc: clang with libstdc++ 12 refuses the implicit one,
  // because std::pair checks whether PayloadNode is default-constructible while PayloadNode is
  // still incomplete (the fuzz and sanitizer build is clang's).
  PayloadNode();

  std::string text;  // element text (CDATA included) or JSON scalar; empty for containers
  std::vector<std::pair<std::string, PayloadNode>> children;  // normalised names, in order

  // The first child called `name` (normalised: "MsgId", "msgid" and "msg_id" are the same).
  const PayloadNode* Child(std::string_view name) const;
  // Every child called `name`: repeated XML elements or the items of a JSON array.
  std::vector<const PayloadNode*> Children(std::string_view name) const;
  // The text at a path of child names, or "" if any step is missing.
  std::string Get(std::initializer_list<std::string_view> path) const;
  bool Has(std::initializer_list<std::string_view> path) const;
};

// Limits that keep a hostile payload from costing more than a legitimate one.
inline constexpr int kMaxPayloadDepth = 16;
inline constexpr size_t kMaxPayloadNodes = 4096;

// kJson if the first non-blank byte is '{', kXml if '<', kInvalidArgument otherwise.
StatusOr<PayloadFormat> SniffFormat(std::string_view body);

// The children of the <xml> root element (any root name is accepted). kInvalidArgument for
// malformed XML, a DOCTYPE, or limits exceeded.
StatusOr<PayloadNode> ParseXmlPayload(std::string_view xml);
// The members of a top-level JSON object. kInvalidArgument for malformed JSON, a non-object,
// or limits exceeded.
StatusOr<PayloadNode> ParsePayload(PayloadFormat format, std::string_view body);
StatusOr<PayloadNode> ParseJsonPayload(std::string_view json);

// "MsgId" -> "msgid", "webhook_url" -> "webhookurl".
std::string NormaliseName(std::string_view name);

// `text` wrapped in CDATA, splitting any "]]>" so that the text cannot close the section.
std::string CData(std::string_view text);

}  // namespace gridrelay::wecom
