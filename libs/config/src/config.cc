#include "tern/config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

extern char** environ;

namespace tern::config {
namespace {

using internal::Field;
using internal::Kind;
using internal::Value;

constexpr char kRedacted[] = "<redacted>";
// Longest value quoted back in an error message.
constexpr size_t kMaxEchoedValue = 64;

const char* TypeName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "string";
    case Kind::kSecret:
      return "secret string";
    case Kind::kInt:
      return "integer";
    case Kind::kBool:
      return "boolean";
    case Kind::kDouble:
      return "number";
    case Kind::kDuration:
      return "duration";
    case Kind::kStringList:
      return "list of strings";
  }
  return "value";
}

// What an error says was expected, e.g. "expected an integer".
const char* Expected(Kind kind) {
  switch (kind) {
    case Kind::kString:
    case Kind::kSecret:
      return "expected a string";
    case Kind::kInt:
      return "expected an integer";
    case Kind::kBool:
      return "expected a boolean (true or false)";
    case Kind::kDouble:
      return "expected a number";
    case Kind::kDuration:
      return "expected a duration such as 5s, 250ms or 2m";
    case Kind::kStringList:
      return "expected a list of strings";
  }
  return "expected a value";
}

// `expected ..., got "text"`, leaving the text out for secrets.
absl::Status TypeError(Kind kind, std::string_view text) {
  if (kind == Kind::kSecret) return absl::InvalidArgumentError(Expected(kind));
  std::string shown(text.substr(0, kMaxEchoedValue));
  if (text.size() > kMaxEchoedValue) shown += "...";
  return absl::InvalidArgumentError(absl::StrCat(Expected(kind), ", got \"", shown, "\""));
}

std::string FormatDouble(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  if (ec != std::errc()) return absl::StrCat(d);
  return std::string(buf, end);
}

// Parses a value given as text: an environment variable, a _FILE's contents, a YAML scalar.
absl::StatusOr<Value> ParseText(Kind kind, const std::string& text) {
  switch (kind) {
    case Kind::kString:
    case Kind::kSecret:
      return Value(std::in_place_type<std::string>, text);
    case Kind::kInt: {
      int64_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) return TypeError(kind, text);
      return Value(std::in_place_type<int64_t>, v);
    }
    case Kind::kDouble: {
      double v = 0;
      if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) return TypeError(kind, text);
      return Value(std::in_place_type<double>, v);
    }
    case Kind::kBool: {
      std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
      if (t == "true" || t == "yes" || t == "on" || t == "1") {
        return Value(std::in_place_type<bool>, true);
      }
      if (t == "false" || t == "no" || t == "off" || t == "0") {
        return Value(std::in_place_type<bool>, false);
      }
      return TypeError(kind, text);
    }
    case Kind::kDuration: {
      absl::Duration d;
      std::string t(absl::StripAsciiWhitespace(text));
      if (!absl::ParseDuration(t, &d) || d < absl::ZeroDuration() ||
          d == absl::InfiniteDuration()) {
        return TypeError(kind, text);
      }
      return Value(std::in_place_type<absl::Duration>, d);
    }
    case Kind::kStringList: {
      std::vector<std::string> items;
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string item(
            absl::StripAsciiWhitespace(absl::string_view(text).substr(start, comma - start)));
        if (!item.empty()) items.push_back(std::move(item));
        start = comma + 1;
      }
      return Value(std::in_place_type<std::vector<std::string>>, std::move(items));
    }
  }
  return absl::InternalError("unknown kind");
}

const char* NodeKindName(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "null";
  return "a scalar";
}

// A YAML scalar written in quotes ("8", '8') carries the non-specific tag "!".
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

absl::StatusOr<Value> ParseNode(Kind kind, const YAML::Node& node) {
  auto wrong = [&](const std::string& got) {
    return absl::InvalidArgumentError(absl::StrCat(Expected(kind), ", got ", got));
  };
  if (kind == Kind::kStringList) {
    if (!node.IsSequence()) return wrong(NodeKindName(node));
    std::vector<std::string> items;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) {
        return wrong(absl::StrCat("a list containing ", NodeKindName(item)));
      }
      items.push_back(item.Scalar());
    }
    return Value(std::in_place_type<std::vector<std::string>>, std::move(items));
  }
  if (!node.IsScalar()) return wrong(NodeKindName(node));
  const bool needs_plain = kind == Kind::kInt || kind == Kind::kDouble || kind == Kind::kBool;
  if (needs_plain && IsQuoted(node)) {
    return wrong(
        absl::StrCat("the quoted string \"", node.Scalar().substr(0, kMaxEchoedValue), "\""));
  }
  return ParseText(kind, node.Scalar());
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return absl::InvalidArgumentError(std::strerror(errno));
  std::string out;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) out.append(buf, n);
  if (std::ferror(f.get())) return absl::InvalidArgumentError(std::strerror(errno));
  return out;
}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Walks the YAML tree, turning nested maps into dotted keys. A map under a known key is kept
// whole (ParseNode reports the wrong type); anything under an unknown key is an error.
void Flatten(const YAML::Node& node, const std::string& prefix, const std::set<std::string>& known,
             const std::string& path, std::map<std::string, YAML::Node>* out,
             std::vector<std::string>* errors) {
  for (const auto& entry : node) {
    const YAML::Node& k = entry.first;
    if (!k.IsScalar()) {
      errors->push_back(absl::StrCat("non-scalar key under '", prefix, "' in ", path));
      continue;
    }
    std::string key = prefix.empty() ? k.Scalar() : absl::StrCat(prefix, ".", k.Scalar());
    const YAML::Node& v = entry.second;
    if (known.count(key) == 0) {
      if (v.IsMap()) {
        Flatten(v, key, known, path, out, errors);
      } else {
        errors->push_back(absl::StrCat("unknown key '", key, "' in ", path));
      }
      continue;
    }
    if (!out->emplace(key, v).second) {
      errors->push_back(absl::StrCat("duplicate key '", key, "' in ", path));
    }
  }
}

bool ValidKey(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  char prev = 0;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// A value as Describe shows it.
std::string Render(Kind kind, const Value& value) {
  switch (kind) {
    case Kind::kString:
      return Quote(std::get<std::string>(value));
    case Kind::kSecret: {
      const auto& s = std::get<std::string>(value);
      return s.empty() ? "\"\"" : std::string(kRedacted);
    }
    case Kind::kInt:
      return absl::StrCat(std::get<int64_t>(value));
    case Kind::kBool:
      return std::get<bool>(value) ? "true" : "false";
    case Kind::kDouble:
      return FormatDouble(std::get<double>(value));
    case Kind::kDuration:
      return absl::FormatDuration(std::get<absl::Duration>(value));
    case Kind::kStringList: {
      std::vector<std::string> quoted;
      for (const auto& s : std::get<std::vector<std::string>>(value)) quoted.push_back(Quote(s));
      return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
    }
  }
  return "";
}

// The ordered tree of dotted keys that Dump emits as nested YAML maps.
struct DumpNode {
  std::string name;
  const Field* field = nullptr;  // leaf
  const Value* value = nullptr;
  std::vector<DumpNode> children;

  DumpNode& Child(const std::string& child_name) {
    for (DumpNode& c : children) {
      if (c.name == child_name) return c;
    }
    children.push_back(DumpNode{child_name});
    return children.back();
  }
};

void EmitValue(YAML::Emitter& out, Kind kind, const Value& value) {
  switch (kind) {
    case Kind::kString:
      out << std::get<std::string>(value);
      break;
    case Kind::kSecret: {
      const auto& s = std::get<std::string>(value);
      out << (s.empty() ? std::string() : std::string(kRedacted));
      break;
    }
    case Kind::kInt:
      out << std::get<int64_t>(value);
      break;
    case Kind::kBool:
      out << std::get<bool>(value);
      break;
    case Kind::kDouble:
      out << FormatDouble(std::get<double>(value));
      break;
    case Kind::kDuration:
      out << absl::FormatDuration(std::get<absl::Duration>(value));
      break;
    case Kind::kStringList: {
      out << YAML::BeginSeq;
      for (const auto& s : std::get<std::vector<std::string>>(value)) out << s;
      out << YAML::EndSeq;
      break;
    }
  }
}

void EmitTree(YAML::Emitter& out, const DumpNode& node) {
  out << YAML::BeginMap;
  for (const DumpNode& c : node.children) {
    out << YAML::Key << c.name << YAML::Value;
    if (c.field != nullptr) {
      EmitValue(out, c.field->kind, *c.value);
    } else {
      EmitTree(out, c);
    }
  }
  out << YAML::EndMap;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

absl::Status NonEmptyValidator::operator()(const std::string& value) const {
  if (value.empty()) return absl::InvalidArgumentError("must not be empty");
  return absl::OkStatus();
}

absl::Status NonEmptyValidator::operator()(const std::vector<std::string>& value) const {
  if (value.empty()) return absl::InvalidArgumentError("must not be empty");
  return absl::OkStatus();
}

absl::Status OneOfValidator::operator()(const std::string& value) const {
  if (std::find(allowed_.begin(), allowed_.end(), value) != allowed_.end()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("must be one of ", absl::StrJoin(allowed_, ", "), "; got \"", value, "\""));
}

absl::Status OneOfValidator::operator()(const std::vector<std::string>& value) const {
  for (const std::string& item : value) {
    absl::Status s = (*this)(item);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& text) {
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected host:port, got \"", text, "\" (", why, ")"));
  };
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated [address]");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad("IPv6 addresses need [brackets]");
  }
  if (host.empty()) return bad("empty host");
  uint32_t p = 0;
  if (port.empty() || !std::all_of(port.begin(), port.end(), ::isdigit) ||
      !absl::SimpleAtoi(port, &p) || p > 65535) {
    return bad("port must be 0..65535");
  }
  return std::make_pair(host, static_cast<uint16_t>(p));
}

absl::Status HostPortValidator::operator()(const std::string& value) const {
  return SplitHostPort(value).status();
}

absl::Status HostPortValidator::operator()(const std::vector<std::string>& value) const {
  for (const std::string& item : value) {
    absl::Status s = (*this)(item);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace internal {

std::string SchemaCore::EnvName(const std::string& key) const {
  std::string name = absl::StrCat(env_prefix_, "_");
  for (char c : key) {
    name.push_back((c == '.' || c == '-') ? '_'
                                          : absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

void SchemaCore::Add(Field field) {
  if (!schema_error_.empty()) {
    fields_.push_back(std::move(field));
    return;
  }
  if (!ValidKey(field.key)) {
    schema_error_ = absl::StrCat("malformed config key '", field.key,
                                 "': use lower-case letters, digits, '_', '-', joined by '.'");
  }
  const std::string env = EnvName(field.key);
  for (const Field& other : fields_) {
    if (!schema_error_.empty()) break;
    if (other.key == field.key) {
      schema_error_ = absl::StrCat("config key '", field.key, "' declared twice");
      break;
    }
    if (absl::StartsWith(field.key, other.key + ".") ||
        absl::StartsWith(other.key, field.key + ".")) {
      schema_error_ = absl::StrCat("config keys '", other.key, "' and '", field.key,
                                   "' overlap: a key cannot also be a group of keys");
      break;
    }
    const std::string other_env = EnvName(other.key);
    if (env == other_env || env == other_env + "_FILE" || env + "_FILE" == other_env) {
      schema_error_ = absl::StrCat("config keys '", other.key, "' and '", field.key,
                                   "' map to the same environment variable");
    }
  }
  fields_.push_back(std::move(field));
}

absl::StatusOr<std::vector<Value>> SchemaCore::Resolve(const std::string& path,
                                                       const Environment& env,
                                                       const std::string& section) const {
  if (!schema_error_.empty()) return absl::InternalError(schema_error_);
  std::vector<std::string> errors;

  std::map<std::string, YAML::Node> from_file;
  if (!path.empty()) {
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read config file ", path, ": ", text.status().message()));
    }
    std::set<std::string> known;
    for (const Field& f : fields_) known.insert(f.key);
    try {
      YAML::Node root = YAML::Load(*text);
      if (!section.empty() && root.IsMap()) {
        // Only the keys under `section:` belong to this schema (the all-in-one's file).
        YAML::Node sub = root[section];
        root = sub ? sub : YAML::Node();
      }
      if (root.IsMap()) {
        Flatten(root, "", known, path, &from_file, &errors);
      } else if (!root.IsNull()) {
        errors.push_back(absl::StrCat("config file ", path, " must hold a map of keys, not ",
                                      NodeKindName(root)));
      }
    } catch (const std::exception& e) {  // yaml-cpp reports syntax errors by exception
      return absl::InvalidArgumentError(
          absl::StrCat("cannot parse config file ", path, ": ", e.what()));
    }
  }

  std::vector<Value> values;
  values.reserve(fields_.size());
  for (const Field& f : fields_) {
    const std::string env_name = EnvName(f.key);
    const std::string file_env_name = env_name + "_FILE";
    auto direct = env.find(env_name);
    auto indirect = env.find(file_env_name);
    auto in_file = from_file.find(f.key);

    std::string source;
    absl::StatusOr<Value> value;
    if (direct != env.end() && indirect != env.end()) {
      errors.push_back(absl::StrCat("both ", env_name, " and ", file_env_name, " are set for '",
                                    f.key, "'; set only one"));
      values.push_back(f.default_value);
      continue;
    } else if (indirect != env.end()) {
      source = absl::StrCat(file_env_name, "=", indirect->second);
      absl::StatusOr<std::string> text = ReadFile(indirect->second);
      if (!text.ok()) {
        errors.push_back(
            absl::StrCat("cannot read ", source, " for '", f.key, "': ", text.status().message()));
        values.push_back(f.default_value);
        continue;
      }
      value = ParseText(f.kind, TrimTrailingNewlines(*std::move(text)));
    } else if (direct != env.end()) {
      source = env_name;
      value = ParseText(f.kind, direct->second);
    } else if (in_file != from_file.end()) {
      source = path;
      try {
        value = ParseNode(f.kind, in_file->second);
      } catch (const std::exception& e) {
        value = absl::InvalidArgumentError(e.what());
      }
    } else {
      source = "the default";
      value = f.default_value;
    }

    if (value.ok() && f.validate) {
      absl::Status valid = f.validate(*value);
      if (!valid.ok()) value = valid;
    }
    if (!value.ok()) {
      errors.push_back(absl::StrCat("invalid value for '", f.key, "' from ", source, ": ",
                                    value.status().message()));
      values.push_back(f.default_value);
      continue;
    }
    values.push_back(*std::move(value));
  }

  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  return values;
}

std::string SchemaCore::Describe() const {
  std::string out = absl::StrCat(
      "Configuration keys. Precedence: environment > config file > default.\n"
      "Each key can be set in the environment (variable shown) or read from the file named by the "
      "variable with _FILE appended.\n");
  for (const Field& f : fields_) {
    const std::string env_name = EnvName(f.key);
    absl::StrAppend(&out, "\n", f.key, " (", TypeName(f.kind), ", default ",
                    Render(f.kind, f.default_value), ")\n");
    if (!f.help.empty()) absl::StrAppend(&out, "    ", f.help, "\n");
    absl::StrAppend(&out, "    env: ", env_name, ", ", env_name, "_FILE\n");
  }
  return out;
}

std::string SchemaCore::Dump(const std::vector<Value>& values) const {
  DumpNode root;
  for (size_t i = 0; i < fields_.size() && i < values.size(); ++i) {
    DumpNode* node = &root;
    std::string_view key = fields_[i].key;
    size_t start = 0;
    while (true) {
      size_t dot = key.find('.', start);
      node = &node->Child(std::string(key.substr(start, dot - start)));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    node->field = &fields_[i];
    node->value = &values[i];
  }
  YAML::Emitter out;
  EmitTree(out, root);
  return absl::StrCat(out.c_str(), "\n");
}

}  // namespace internal
absl::Status CidrListValidator::operator()(const std::vector<std::string>& v) const {
  for (const auto& c : v) {
    size_t slash = c.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == c.size() ||
        c.find_first_not_of("0123456789", slash + 1) != std::string::npos) {
      return absl::InvalidArgumentError("'" + c + "' is not a network like 10.0.0.0/8");
    }
  }
  return absl::OkStatus();
}

std::string LocalHostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace tern::config
