// Non-throwing, non-copying JSON member reads (see json_fields.h).
#include "adapters/common/json_fields.h"

#include <charconv>

namespace gridrelay::jsonf {

using nlohmann::json;

const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const json& object, const char* key) {
  const json& v = Field(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

int64_t IntField(const json& object, const char* key) {
  const json& v = Field(object, key);
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool ParseInt(std::string_view s, int64_t* out) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return false;
  *out = v;
  return true;
}

}  // namespace gridrelay::jsonf
