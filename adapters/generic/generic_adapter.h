// The generic JSON webhook: for mini-programs, 随手拍 forms and anything that can POST JSON.
//
// Inbound  POST /webhook/generic/<channel>, `Authorization: Bearer <secret>`, body
//          {"msg_id","group_id","sender_id","sender_name"?,"text","ts"?,"attachments"?:[{kind,ref}]}.
//          The dedup key is msg_id. Only groups that routing.yaml maps to a grid are accepted.
// Outbound POST <reply_url> with {"idempotency_key","kind","audience","group_id","user_id","text",
//          "mention_user_ids"} and the header `Idempotency-Key`; without a reply_url, deliveries
//          are only logged (like the `log` type).
// Settings: secret (required), reply_url, reply_secret (sent as Bearer), timeout_ms (5000),
//           rate_limit_per_minute (0 = unlimited).
#pragma once

#include "gateway/core/adapter.h"

namespace gridrelay::generic {

// Registers the `generic` type.
void Register(AdapterRegistry& registry);

}  // namespace gridrelay::generic
