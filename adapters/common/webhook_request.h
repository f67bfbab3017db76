// Reading a platform callback's request: the one lookup every adapter that checks a
// signature or token in a header needs.
#pragma once

#include <string>

#include "gateway/core/adapter.h"

namespace gridrelay {

// The value of header `name` (lower-case, as WebhookRequest stores them), or "" when absent:
// a missing signature then fails the same constant-time compare as a wrong one.
inline std::string HeaderOf(const WebhookRequest& request, const char* name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

}  // namespace gridrelay
