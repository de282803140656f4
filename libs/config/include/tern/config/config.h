// Declarative service configuration: one plain struct per service plus one schema that binds a
// dotted key to each member, with the default and help text beside the name.
//
//   struct StorageConfig {
//     std::string grpc_listen;
//     int64_t pool_size = 0;
//     std::string db_password;
//     absl::Duration timeout;
//   };
//
//   tern::config::Schema<StorageConfig> schema("TERN_STORAGE");
//   schema.String("grpc.listen", &StorageConfig::grpc_listen, "127.0.0.1:7001", "gRPC listen
//   address",
//                 tern::config::HostPort())
//       .Int("database.pool_size", &StorageConfig::pool_size, 8, "connections",
//            tern::config::Range(1, 256))
//       .Duration("database.timeout", &StorageConfig::timeout, absl::Seconds(5), "query timeout")
//       .Secret("database.password", &StorageConfig::db_password, "", "database password");
//
//   absl::StatusOr<StorageConfig> cfg = schema.Load(config_path);  // fatal at start-up if !ok()
//
// Sources, highest precedence first:
//   1. the environment: PREFIX_KEY (key upper-cased, '.' and '-' become '_'), e.g.
//      TERN_STORAGE_DATABASE_POOL_SIZE=16, or PREFIX_KEY_FILE naming a file whose contents, with
//      trailing CR/LF trimmed, are the value — the way Kubernetes mounts secrets. Setting both
//      PREFIX_KEY and PREFIX_KEY_FILE is an error.
//   2. the YAML file (JSON is a subset). Nested maps are flattened to dotted keys, so
//      `database: {pool_size: 16}` and `database.pool_size: 16` are the same key.
//   3. the default declared in the schema.
//
// Environment variables with the prefix that match no key are ignored (Kubernetes injects
// service-link variables such as TERN_STORAGE_PORT); unknown keys in the file are errors.
//
// Value syntax, in the file and in the environment:
//   String, Secret  any scalar
//   Int             decimal 64-bit integer (unquoted in the file)
//   Double          decimal number, finite (unquoted in the file)
//   Bool            true/false, yes/no, on/off, 1/0, any case (unquoted in the file)
//   Duration        absl::ParseDuration syntax: "5s", "250ms", "2m", "1h30m", "0"; never negative
//                   or infinite
//   StringList      a YAML sequence of scalars in the file; comma-separated in the environment
//                   (items trimmed, empty items dropped)
//
// Every error Load() returns is absl::InvalidArgumentError and its message names the key (or the
// file) and the source of the bad value; secret values are never echoed. A mistake in the schema
// itself (duplicate key, malformed key, two keys with the same environment variable) is reported by
// Load() as absl::InternalError.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace tern::config {

// Environment variables by name. Load() reads only the names derived from its keys.
using Environment = std::map<std::string, std::string>;

// A snapshot of the process environment.
Environment ProcessEnvironment();

// Checks one effective value. Returns OK, or an error whose message says what is wrong with the
// value ("must be between 1 and 256, got 0"); Load() prefixes the key and the source and turns it
// into InvalidArgument. Any callable taking the member's type and returning absl::Status fits.
template <typename T>
using Validator = std::function<absl::Status(const T&)>;

namespace internal {
inline std::string FormatBound(const absl::Duration& d) { return absl::FormatDuration(d); }
template <typename T>
std::string FormatBound(const T& v) {
  return absl::StrCat(v);
}
}  // namespace internal

// Accepts lo <= value <= hi. Works for Int, Double and Duration keys:
// Range(1, 256), Range(0.0, 1.0), Range(absl::Milliseconds(10), absl::Minutes(1)).
template <typename B>
class RangeValidator {
 public:
  RangeValidator(B lo, B hi) : lo_(lo), hi_(hi) {}
  template <typename V>
  absl::Status operator()(const V& value) const {
    if (value < lo_ || value > hi_) {
      return absl::InvalidArgumentError(absl::StrCat("must be between ", internal::FormatBound(lo_),
                                                     " and ", internal::FormatBound(hi_), ", got ",
                                                     internal::FormatBound(value)));
    }
    return absl::OkStatus();
  }

 private:
  B lo_;
  B hi_;
};
template <typename B>
RangeValidator<B> Range(B lo, B hi) {
  return RangeValidator<B>(lo, hi);
}

// Rejects an empty string or an empty list. Pairs with an empty default to make a key required.
struct NonEmptyValidator {
  absl::Status operator()(const std::string& value) const;
  absl::Status operator()(const std::vector<std::string>& value) const;
};
inline NonEmptyValidator NonEmpty() { return {}; }

// Accepts a string (or every item of a list) equal to one of `allowed`.
class OneOfValidator {
 public:
  explicit OneOfValidator(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}
  absl::Status operator()(const std::string& value) const;
  absl::Status operator()(const std::vector<std::string>& value) const;

 private:
  std::vector<std::string> allowed_;
};
inline OneOfValidator OneOf(std::vector<std::string> allowed) {
  return OneOfValidator(std::move(allowed));
}

// Accepts "host:port" (or "[v6-address]:port") with a non-empty host and a port in 0..65535, and
// every item of a list likewise.
struct HostPortValidator {
  absl::Status operator()(const std::string& value) const;
  absl::Status operator()(const std::vector<std::string>& value) const;
};
inline HostPortValidator HostPort() { return {}; }

// A list of networks in CIDR notation ("10.0.0.0/8", "::1/128"): each entry must have an
// address and a prefix length; the address itself is parsed by whoever uses the networks.
struct CidrListValidator {
  absl::Status operator()(const std::vector<std::string>& v) const;
};
inline CidrListValidator CidrList() { return {}; }

// This machine's host name ("localhost" when it has none): a default for greeting names.
std::string LocalHostname();

// Splits "host:port" / "[::1]:port" into host (brackets removed) and port. InvalidArgument
// (without a key in the message) when malformed.
absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& text);

namespace internal {

enum class Kind { kString, kSecret, kInt, kBool, kDouble, kDuration, kStringList };

using Value =
    std::variant<std::string, int64_t, bool, double, absl::Duration, std::vector<std::string>>;

struct Field {
  std::string key;
  Kind kind;
  Value default_value;
  std::string help;
  std::function<absl::Status(const Value&)> validate;  // empty: no validator
};

// The type-independent part of Schema<Config>: sources, parsing, validation and rendering.
class SchemaCore {
 public:
  explicit SchemaCore(std::string env_prefix) : env_prefix_(std::move(env_prefix)) {}

  void Add(Field field);
  // The effective value of every field, in declaration order.
  absl::StatusOr<std::vector<Value>> Resolve(const std::string& path, const Environment& env,
                                             const std::string& section = "") const;
  std::string Describe() const;
  std::string Dump(const std::vector<Value>& values) const;

 private:
  std::string EnvName(const std::string& key) const;

  std::string env_prefix_;
  std::vector<Field> fields_;
  std::string schema_error_;  // first mistake in the declarations, reported by Resolve()
};

}  // namespace internal

// The schema of one service's configuration struct `Config` (default-constructible). Declare each
// key once with the builder methods, which return *this for chaining. A Schema is immutable in
// use: Load/Describe/Dump are const and thread-compatible.
template <typename Config>
class Schema {
 public:
  // `env_prefix` (e.g. "TERN_STORAGE") starts every environment variable name.
  explicit Schema(std::string env_prefix) : core_(std::move(env_prefix)) {}

  Schema& String(std::string key, std::string Config::*member, std::string default_value,
                 std::string help, Validator<std::string> validator = nullptr) {
    return Add(internal::Kind::kString, std::move(key), member, std::move(default_value),
               std::move(help), std::move(validator));
  }
  // A String whose value is never printed: Dump shows "<redacted>" (or "" when empty), Describe
  // hides a non-empty default, and errors never echo it.
  Schema& Secret(std::string key, std::string Config::*member, std::string default_value,
                 std::string help, Validator<std::string> validator = nullptr) {
    return Add(internal::Kind::kSecret, std::move(key), member, std::move(default_value),
               std::move(help), std::move(validator));
  }
  Schema& Int(std::string key, int64_t Config::*member, int64_t default_value, std::string help,
              Validator<int64_t> validator = nullptr) {
    return Add(internal::Kind::kInt, std::move(key), member, default_value, std::move(help),
               std::move(validator));
  }
  Schema& Bool(std::string key, bool Config::*member, bool default_value, std::string help,
               Validator<bool> validator = nullptr) {
    return Add(internal::Kind::kBool, std::move(key), member, default_value, std::move(help),
               std::move(validator));
  }
  Schema& Double(std::string key, double Config::*member, double default_value, std::string help,
                 Validator<double> validator = nullptr) {
    return Add(internal::Kind::kDouble, std::move(key), member, default_value, std::move(help),
               std::move(validator));
  }
  Schema& Duration(std::string key, absl::Duration Config::*member, absl::Duration default_value,
                   std::string help, Validator<absl::Duration> validator = nullptr) {
    return Add(internal::Kind::kDuration, std::move(key), member, default_value, std::move(help),
               std::move(validator));
  }
  Schema& StringList(std::string key, std::vector<std::string> Config::*member,
                     std::vector<std::string> default_value, std::string help,
                     Validator<std::vector<std::string>> validator = nullptr) {
    return Add(internal::Kind::kStringList, std::move(key), member, std::move(default_value),
               std::move(help), std::move(validator));
  }

  // A TLS identity: "<prefix>.cert_file" (PEM chain; `what` says what it is for) and
  // "<prefix>.key_file" (PEM private key), empty by default. Load refuses one without the other.
  Schema& TlsFilePair(const std::string& prefix, std::string Config::*cert,
                      std::string Config::*key, const std::string& what) {
    String(prefix + ".cert_file", cert, "", "PEM certificate chain " + what + " (empty: no TLS)");
    String(prefix + ".key_file", key, "", "PEM private key for " + prefix + ".cert_file");
    return Check([prefix, cert, key](const Config& c) {
      if ((c.*cert).empty() == (c.*key).empty()) return absl::OkStatus();
      return absl::InvalidArgumentError(prefix + ".cert_file and " + prefix +
                                        ".key_file: set both or neither");
    });
  }
  // How this service dials the internal gRPC services: "<prefix>.ca_file" (verifies them; set
  // to use TLS) and the pair "<prefix>.cert_file"/"<prefix>.key_file" (a client certificate for
  // mTLS, which needs the CA too).
  Schema& ClientTls(const std::string& prefix, std::string Config::*ca, std::string Config::*cert,
                    std::string Config::*key) {
    String(prefix + ".ca_file", ca, "",
           "PEM CA verifying the internal gRPC services; set to dial them over TLS");
    TlsFilePair(prefix, cert, key, "presented to the internal services (mTLS)");
    return Check([prefix, ca, cert](const Config& c) {
      if ((c.*cert).empty() || !(c.*ca).empty()) return absl::OkStatus();
      return absl::InvalidArgumentError(prefix + ".cert_file needs " + prefix + ".ca_file");
    });
  }
  // A check of several keys together, run by Load after every key's own validator.
  Schema& Check(std::function<absl::Status(const Config&)> check) {
    checks_.push_back(std::move(check));
    return *this;
  }

  // Builds the effective configuration from `env` > the YAML file at `path` > the defaults, and
  // runs every validator on every effective value. `path` empty means defaults and environment
  // only; a non-empty path that cannot be read is an error. Errors: see the file comment.
  absl::StatusOr<Config> Load(const std::string& path,
                              const Environment& env = ProcessEnvironment()) const {
    return Build(core_.Resolve(path, env));
  }

  // Like Load, reading only the map under the top-level key `section` of the file (the
  // all-in-one's one file holds a section per service). A missing section means defaults.
  absl::StatusOr<Config> LoadSection(const std::string& path, const std::string& section,
                                     const Environment& env = ProcessEnvironment()) const {
    return Build(core_.Resolve(path, env, section));
  }

  // Every key, one block each: type, default, environment variable names and help. For
  // --help-config.
  std::string Describe() const { return core_.Describe(); }

  // The effective configuration as YAML (nested maps, declaration order), loadable again, with
  // secrets shown as "<redacted>". For logging at start-up and --dump-config.
  std::string Dump(const Config& config) const {
    std::vector<internal::Value> values;
    values.reserve(members_.size());
    for (const Member& m : members_) values.push_back(m.get(config));
    return core_.Dump(values);
  }

 private:
  struct Member {
    std::function<void(Config&, internal::Value&&)> set;
    std::function<internal::Value(const Config&)> get;
  };

  absl::StatusOr<Config> Build(absl::StatusOr<std::vector<internal::Value>> values) const {
    if (!values.ok()) return values.status();
    Config config{};
    for (size_t i = 0; i < members_.size(); ++i) members_[i].set(config, std::move((*values)[i]));
    for (const auto& check : checks_) {
      if (absl::Status s = check(config); !s.ok()) return s;
    }
    return config;
  }

  template <typename T>
  Schema& Add(internal::Kind kind, std::string key, T Config::*member, T default_value,
              std::string help, Validator<T> validator) {
    internal::Field field{std::move(key), kind,
                          internal::Value(std::in_place_type<T>, std::move(default_value)),
                          std::move(help), nullptr};
    if (validator) {
      field.validate = [v = std::move(validator)](const internal::Value& value) {
        return v(std::get<T>(value));
      };
    }
    core_.Add(std::move(field));
    members_.push_back(Member{
        [member](Config& c, internal::Value&& v) { c.*member = std::get<T>(std::move(v)); },
        [member](const Config& c) { return internal::Value(std::in_place_type<T>, c.*member); }});
    return *this;
  }

  internal::SchemaCore core_;
  std::vector<Member> members_;
  std::vector<std::function<absl::Status(const Config&)>> checks_;
};

}  // namespace tern::config
