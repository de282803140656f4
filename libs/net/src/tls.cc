#include "tern/net/tls.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "tern/core/log.h"

namespace tern::net {

namespace ssl = boost::asio::ssl;

namespace {
absl::Mutex g_registry_mu(absl::kConstInit);
std::vector<std::weak_ptr<TlsContexts>>& Registry() {
  static auto* r = new std::vector<std::weak_ptr<TlsContexts>>();
  return *r;
}
}  // namespace

void TlsContexts::ReloadAll() {
  std::vector<std::shared_ptr<TlsContexts>> live;
  {
    absl::MutexLock lock(&g_registry_mu);
    auto& r = Registry();
    for (auto it = r.begin(); it != r.end();) {
      if (auto p = it->lock()) {
        live.push_back(p);
        ++it;
      } else {
        it = r.erase(it);
      }
    }
  }
  for (auto& t : live) {
    if (t->Reload().ok()) log::Info("tls certificate reloaded", {{"cert", t->cert_}});
  }
}

int64_t TlsContexts::Stamp() const {
  int64_t s = 0;
  for (const std::string* f : {&cert_, &key_}) {
    struct stat st;
    if (stat(f->c_str(), &st) == 0) s ^= static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec + st.st_size;
  }
  return s;
}

absl::StatusOr<std::shared_ptr<ssl::context>> TlsContexts::Build() const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  // A modern profile (RFC 8314 era): TLS 1.2 and 1.3 only, no compression or renegotiation.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(ctx->native_handle(),
                          "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!MD5:!DSS");
  ctx->use_certificate_chain_file(cert_, ec);
  if (ec) return absl::InvalidArgumentError("tls: cannot load certificate " + cert_ + ": " + ec.message());
  ctx->use_private_key_file(key_, ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError("tls: cannot load key " + key_ + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return absl::InvalidArgumentError("tls: key " + key_ + " does not match " + cert_);
  }
  return ctx;
}

absl::StatusOr<std::shared_ptr<TlsContexts>> TlsContexts::Load(std::string cert_file,
                                                               std::string key_file) {
  auto t = std::shared_ptr<TlsContexts>(new TlsContexts(std::move(cert_file), std::move(key_file)));
  absl::Status s = t->Reload();
  if (!s.ok()) return s;
  absl::MutexLock lock(&g_registry_mu);
  Registry().push_back(t);
  return t;
}

absl::Status TlsContexts::Reload() {
  int64_t stamp = Stamp();
  auto ctx = Build();
  absl::MutexLock lock(&mu_);
  last_check_ = absl::Now();
  if (!ctx.ok()) {
    // Keep serving with the old certificate; say why the new one was refused.
    if (ctx_) log::Error("tls reload failed; keeping the old certificate", {{"error", std::string(ctx.status().message())}});
    return ctx.status();
  }
  ctx_ = *ctx;
  stamp_ = stamp;
  not_after_ = absl::InfinitePast();
  if (X509* cert = SSL_CTX_get0_certificate(ctx_->native_handle())) {
    struct tm tm = {};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) not_after_ = absl::FromTM(tm, absl::UTCTimeZone());
  }
  return absl::OkStatus();
}

absl::Time TlsContexts::NotAfter() {
  Current();
  absl::MutexLock lock(&mu_);
  return not_after_;
}

std::shared_ptr<ssl::context> TlsContexts::Current() {
  bool check = false;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() - last_check_ > absl::Seconds(1)) {
      last_check_ = absl::Now();
      check = Stamp() != stamp_;
    }
    if (!check) return ctx_;
  }
  if (Reload().ok()) log::Info("tls certificate reloaded", {{"cert", cert_}});
  absl::MutexLock lock(&mu_);
  return ctx_;
}

}  // namespace tern::net
