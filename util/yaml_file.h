// Small helpers for reading YAML config with errors that name the file and the line.
// yaml-cpp throws; these catch at the edge and return Status.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "gateway/core/status.h"

namespace gridrelay {

class YamlFile {
 public:
  // Parses `path`. A syntax error names the file and line.
  static StatusOr<YamlFile> Load(const std::filesystem::path& path);

  const YAML::Node& root() const { return root_; }
  const std::string& name() const { return name_; }

  // "file:line" of a node (1-based line).
  std::string Where(const YAML::Node& node) const;
  Status Error(const YAML::Node& node, const std::string& what) const;

  // Every key of the map `node` must be one of `allowed` (catches typos). A non-map is an error.
  Status CheckKeys(const YAML::Node& node, std::initializer_list<const char*> allowed,
                   const std::string& what) const;

  // Reads an optional scalar `key` of `parent` into *out (left unchanged when absent).
  Status Read(const YAML::Node& parent, const char* key, std::string* out) const;
  Status Read(const YAML::Node& parent, const char* key, int* out) const;
  Status Read(const YAML::Node& parent, const char* key, int64_t* out) const;
  Status Read(const YAML::Node& parent, const char* key, size_t* out) const;
  Status Read(const YAML::Node& parent, const char* key, double* out) const;
  Status Read(const YAML::Node& parent, const char* key, bool* out) const;
  Status Read(const YAML::Node& parent, const char* key, std::vector<std::string>* out) const;
  // Like Read, but the key must be present and non-empty.
  Status Require(const YAML::Node& parent, const char* key, std::string* out) const;

 private:
  template <typename T>
  Status ReadScalar(const YAML::Node& parent, const char* key, T* out) const;

  std::string name_;
  YAML::Node root_;
};

// The same two checks for YAML read without a YamlFile (the intent library reads many files
// as nodes): "file:line" of `node`, and every key of the map `node` one of `allowed`.
std::string YamlWhere(const std::string& file, const YAML::Node& node);
Status CheckYamlKeys(const std::string& file, const YAML::Node& node, std::initializer_list<const char*> allowed,
                     const std::string& what);

// Converts YAML to JSON: plain scalars become booleans, integers, floats or null where they
// look like one (YAML 1.2 core schema); quoted scalars stay strings.
nlohmann::json YamlToJson(const YAML::Node& node);

}  // namespace gridrelay
