// SettingsReader: the one implementation of typed channel settings reads (see settings.h).
#include "adapters/common/settings.h"

#include <algorithm>
#include <charconv>

#include "util/url.h"

namespace gridrelay {

using nlohmann::json;

namespace {

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

}  // namespace

Status SettingsReader::Error(std::string_view key, std::string_view what) const {
  return Status::InvalidArgument(spec_.Where(std::string(key)) + ": channel '" + spec_.name + "': " + std::string(what));
}

Status SettingsReader::CheckKnownKeys(std::initializer_list<std::string_view> known, std::string_view hint) const {
  if (spec_.settings.is_null()) return Status::Ok();
  if (!spec_.settings.is_object()) return Error("", "settings must be a mapping");
  for (const auto& item : spec_.settings.items()) {
    const std::string& key = item.key();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string what = "unknown " + spec_.type + " setting " + Quoted(key);
      if (!hint.empty()) what += " (" + std::string(hint) + ")";
      return Error(key, what);
    }
  }
  return Status::Ok();
}

const json* SettingsReader::Find(const char* key) const {
  if (!spec_.settings.is_object()) return nullptr;
  auto it = spec_.settings.find(key);
  return it == spec_.settings.end() || it->is_null() ? nullptr : &*it;
}

Status SettingsReader::Read(const char* key, std::string* out, Numbers numbers) const {
  const json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->is_string()) {
    *out = v->get<std::string>();
    return Status::Ok();
  }
  if (v->is_number_integer() && numbers == Numbers::kAccept) {
    *out = v->dump();
    return Status::Ok();
  }
  if (v->is_number_integer()) {
    return Error(key, Quoted(key) + " must be a string (quote it if it is all digits: YAML reads 0123 as the number 123)");
  }
  return Error(key, Quoted(key) + " must be a string");
}

Status SettingsReader::Read(const char* key, int64_t* out) const {
  const json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->is_number_integer()) {
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    int64_t parsed = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
      *out = parsed;
      return Status::Ok();
    }
  }
  return Error(key, Quoted(key) + " must be an integer");
}

Status SettingsReader::Read(const char* key, int64_t* out, int64_t min, int64_t max) const {
  int64_t value = *out;
  if (!Read(key, &value).ok() || value < min || value > max) {
    return Error(key, Quoted(key) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *out = value;
  return Status::Ok();
}

Status SettingsReader::Read(const char* key, double* out) const {
  const json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return Error(key, Quoted(key) + " must be a number");
  *out = v->get<double>();
  return Status::Ok();
}

Status SettingsReader::Read(const char* key, bool* out) const {
  const json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_boolean()) return Error(key, Quoted(key) + " must be true or false");
  *out = v->get<bool>();
  return Status::Ok();
}

Status SettingsReader::Read(const char* key, std::vector<std::string>* out) const {
  const json* v = Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->is_string()) {
    *out = {v->get<std::string>()};
    return Status::Ok();
  }
  if (!v->is_array()) return Error(key, Quoted(key) + " must be a list");
  std::vector<std::string> items;
  for (const json& item : *v) {
    if (!item.is_string()) return Error(key, "items of " + Quoted(key) + " must be strings");
    items.push_back(item.get<std::string>());
  }
  *out = std::move(items);
  return Status::Ok();
}

Status SettingsReader::ReadBaseUrl(const char* key, std::string* out) const {
  std::string value = *out;
  GR_RETURN_IF_ERROR(Read(key, &value, Numbers::kRefuse));
  value = url::WithoutTrailingSlashes(std::move(value));
  if (url::Host(value).empty()) return Error(key, Quoted(key) + " must be an http:// or https:// URL");
  *out = std::move(value);
  return Status::Ok();
}

}  // namespace gridrelay
