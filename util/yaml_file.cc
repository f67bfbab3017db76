#include "util/yaml_file.h"

#include <limits>
#include <regex>

namespace gridrelay {

StatusOr<YamlFile> YamlFile::Load(const std::filesystem::path& path) {
  YamlFile f;
  f.name_ = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(f.name_ + ": file not found");
  try {
    f.root_ = YAML::LoadFile(f.name_);
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(f.name_ + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(f.name_ + ": cannot read: " + e.what());
  }
  return f;
}

std::string YamlWhere(const std::string& file, const YAML::Node& node) {
  int line = node.Mark().line;
  return file + ":" + std::to_string(line < 0 ? 1 : line + 1);
}

std::string YamlFile::Where(const YAML::Node& node) const { return YamlWhere(name_, node); }

Status YamlFile::Error(const YAML::Node& node, const std::string& what) const {
  return Status::InvalidArgument(Where(node) + ": " + what);
}

Status CheckYamlKeys(const std::string& file, const YAML::Node& node, std::initializer_list<const char*> allowed,
                     const std::string& what) {
  if (!node.IsMap()) return Status::InvalidArgument(YamlWhere(file, node) + ": " + what + " must be a map of key: value");
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      return Status::InvalidArgument(YamlWhere(file, kv.first) + ": unknown key '" + key + "' in " + what +
                                     " (expected one of: " + list + ")");
    }
  }
  return Status::Ok();
}

Status YamlFile::CheckKeys(const YAML::Node& node, std::initializer_list<const char*> allowed,
                           const std::string& what) const {
  return CheckYamlKeys(name_, node, allowed, what);
}

template <typename T>
Status YamlFile::ReadScalar(const YAML::Node& parent, const char* key, T* out) const {
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return Status::Ok();
  if (!n.IsScalar()) return Error(n, std::string("'") + key + "' must be a single value");
  try {
    *out = n.as<T>();
  } catch (const YAML::Exception&) {
    return Error(n, std::string("'") + key + "' has a value of the wrong type: '" + n.Scalar() + "'");
  }
  return Status::Ok();
}

Status YamlFile::Read(const YAML::Node& p, const char* k, std::string* o) const { return ReadScalar(p, k, o); }
Status YamlFile::Read(const YAML::Node& p, const char* k, int* o) const { return ReadScalar(p, k, o); }
Status YamlFile::Read(const YAML::Node& p, const char* k, int64_t* o) const { return ReadScalar(p, k, o); }
Status YamlFile::Read(const YAML::Node& p, const char* k, double* o) const { return ReadScalar(p, k, o); }
Status YamlFile::Read(const YAML::Node& p, const char* k, bool* o) const { return ReadScalar(p, k, o); }
Status YamlFile::Read(const YAML::Node& p, const char* k, size_t* o) const {
  int64_t v = static_cast<int64_t>(*o);
  GR_RETURN_IF_ERROR(ReadScalar(p, k, &v));
  if (v < 0) return Error(p[k], std::string("'") + k + "' must not be negative");
  *o = static_cast<size_t>(v);
  return Status::Ok();
}

Status YamlFile::Read(const YAML::Node& parent, const char* key, std::vector<std::string>* out) const {
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return Status::Ok();
  if (!n.IsSequence()) return Error(n, std::string("'") + key + "' must be a list");
  out->clear();
  for (const auto& item : n) {
    if (!item.IsScalar()) return Error(item, std::string("items of '") + key + "' must be single values");
    out->push_back(item.Scalar());
  }
  return Status::Ok();
}

Status YamlFile::Require(const YAML::Node& parent, const char* key, std::string* out) const {
  if (!parent[key] || parent[key].IsNull()) return Error(parent, std::string("missing '") + key + "'");
  GR_RETURN_IF_ERROR(Read(parent, key, out));
  if (out->empty()) return Error(parent[key], std::string("'") + key + "' must not be empty");
  return Status::Ok();
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : node) arr.push_back(YamlToJson(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) obj[kv.first.Scalar()] = YamlToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kFloat(R"([-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return s;  // out of range: keep the digits as a string (e.g. a long platform id)
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

}  // namespace gridrelay
