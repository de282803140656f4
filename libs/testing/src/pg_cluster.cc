#include "tern/testing/pg_cluster.h"

#include <stdlib.h>

#include <array>
#include <cstdio>

namespace tern::testing {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

// Runs a shell command; returns its stdout, or an error with its output.
absl::StatusOr<std::string> Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return absl::InternalError("popen failed: " + cmd);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  if (rc != 0) return absl::InternalError("command failed: " + cmd + "\n" + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

std::string SourceDir() {
  const char* env = getenv("TERN_SOURCE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return TERN_SOURCE_DIR_DEFAULT;
}

absl::StatusOr<std::unique_ptr<PgCluster>> PgCluster::Start(const std::string& server_opts) {
  char tmpl[] = "/tmp/tern-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  auto c = std::unique_ptr<PgCluster>(new PgCluster());
  c->dir_ = tmpl;
  c->opts_ = server_opts;
  const std::string pg = Quote(SourceDir() + "/scripts/pg.sh");
  auto init = Shell(pg + " init " + Quote(c->dir_));
  if (!init.ok()) return init.status();
  auto start = Shell("TERN_PG_OPTS=" + Quote(server_opts) + " " + pg + " start " + Quote(c->dir_));
  if (!start.ok()) return start.status();
  auto url = Shell(pg + " url " + Quote(c->dir_));
  if (!url.ok()) return url.status();
  c->url_ = *url;
  c->port_ = c->url_.substr(c->url_.rfind(':') + 1);
  c->port_ = c->port_.substr(0, c->port_.find('/'));
  return c;
}

absl::StatusOr<std::string> PgCluster::CreateDatabase(const std::string& name) {
  std::string url = url_.substr(0, url_.rfind('/') + 1) + name;
  auto r = Shell("/usr/lib/postgresql/15/bin/psql " + Quote(url_) +
                 " -tAc " + Quote("CREATE DATABASE \"" + name + "\""));
  if (!r.ok() && r.status().message().find("already exists") == std::string_view::npos) {
    return r.status();
  }
  return url;
}

absl::Status PgCluster::Stop() {
  return Shell(Quote(SourceDir() + "/scripts/pg.sh") + " stop " + Quote(dir_)).status();
}

absl::Status PgCluster::Restart() {
  auto s = Stop();
  if (!s.ok()) return s;
  return Shell("TERN_PG_OPTS=" + Quote(opts_) + " " + Quote(SourceDir() + "/scripts/pg.sh") +
               " start " + Quote(dir_) + " " + port_)
      .status();
}

PgCluster::~PgCluster() {
  (void)Shell(Quote(SourceDir() + "/scripts/pg.sh") + " remove " + Quote(dir_));
}

}  // namespace tern::testing
