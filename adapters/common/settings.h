// Typed reads of a channel's `settings` mapping, shared by every platform adapter.
//
// Each adapter declares the keys it knows and reads them into its options struct; a misspelt
// key is refused rather than silently falling back to its default (a typo in
// `freshness_window_seconds` would otherwise leave replay protection at the default). Every
// error names the file and line of the offending key, in the form
// `<file>:<line>: channel '<name>': <what>`, so `gridrelay check-config` points at it.
//
// YAML scalars arrive typed (the config loader maps them to JSON), so a quoted number is
// accepted where an integer is wanted, and a bare integer where a string is wanted unless the
// caller asks for exact strings (an all-digit token like 0123 would lose its leading zero).
// Absent and null keys leave the output untouched: the caller's default stands.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/adapter.h"
#include "gateway/core/status.h"

namespace gridrelay {

class SettingsReader {
 public:
  // Whether a string setting takes a YAML integer, written in decimal.
  enum class Numbers { kAccept, kRefuse };

  // `spec` must outlive the reader.
  explicit SettingsReader(const ChannelSpec& spec) : spec_(spec) {}

  // InvalidArgument "<file>:<line of key>: channel '<name>': <what>".
  Status Error(std::string_view key, std::string_view what) const;

  // Refuses settings that are not a mapping (null counts as empty) and any key not in
  // `known`, naming the first such key's line. `hint` is appended to the error (e.g.
  // "see adapters/wecom/README.md").
  Status CheckKnownKeys(std::initializer_list<std::string_view> known, std::string_view hint = {}) const;

  Status Read(const char* key, std::string* out, Numbers numbers = Numbers::kAccept) const;
  // An integer, or a string holding one.
  Status Read(const char* key, int64_t* out) const;
  // As above, and refused outside [min, max].
  Status Read(const char* key, int64_t* out, int64_t min, int64_t max) const;
  // Any number.
  Status Read(const char* key, double* out) const;
  Status Read(const char* key, bool* out) const;
  // A list of strings, or a single string as a list of one.
  Status Read(const char* key, std::vector<std::string>* out) const;
  // An http(s) URL that API paths are appended to: trailing '/' removed, and refused unless
  // it has a host. The default in `*out` is checked too.
  Status ReadBaseUrl(const char* key, std::string* out) const;

 private:
  // The key's value, or nullptr when settings is not a mapping or the key is absent or null.
  const nlohmann::json* Find(const char* key) const;

  const ChannelSpec& spec_;
};

// The factory an adapter registers: reads the channel's settings with `read` (a function
// ChannelSpec -> StatusOr<S>), then constructs AdapterT(spec.name, S, env). A settings error
// is returned as is, so it keeps naming its file and line.
template <typename AdapterT, typename ReadFn>
AdapterFactory SettingsFactory(ReadFn read) {
  return [read](const ChannelSpec& spec, const AdapterEnv& env) -> StatusOr<std::unique_ptr<Adapter>> {
    auto settings = read(spec);
    if (!settings.ok()) return settings.status();
    return std::unique_ptr<Adapter>(std::make_unique<AdapterT>(spec.name, std::move(settings).value(), env));
  };
}

}  // namespace gridrelay
