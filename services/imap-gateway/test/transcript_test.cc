// Golden session transcripts: each test/transcripts/<name>.in is played against the real
// gateway over a loopback socket, with fake auth and the in-memory FakeMailStore behind it,
// and everything said is compared with <name>.ref. TERN_UPDATE_GOLDEN=1 rewrites the .ref files
// (read the diff before committing one).
//
// An .in file is lines:
//   <client line>           sent with CRLF. After a whole command the server's lines are read
//                           up to its tagged answer, or up to a "+" continuation (the next
//                           client line then continues the command: AUTHENTICATE, IDLE's DONE).
//                           A line ending in {N} or {N+} is followed by lines making up exactly
//                           N octets of literal (each line counts with its CRLF), then by the
//                           rest of the command; {N} waits for the "+" first, and a tagged
//                           refusal instead skips the literal.
//   ~ <prefix>              read server lines until one starts with <prefix> (IDLE updates).
//   ! deliver <mailbox> <subject>      a new message, as if from SMTP
//   ! flags <mailbox> <uid> <flag>...  another session sets the flags (\Seen \Deleted ...)
//   ! remove <mailbox> <uid>           another session expunges it
//   ! down | ! up                      storage unreachable, and back
//   ! reconnect                        a new connection (its greeting is read)
//   # comment                          copied to the transcript
// The transcript: "C: " client lines, "S: " server lines, directives and comments as given.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp misses it under GCC 12

#include <poll.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "fake_mail_store.h"
#include "gtest/gtest.h"
#include "tern/imap_gateway/run.h"
#include "tern/storage/v1/storage.pb.h"

#ifndef TERN_TRANSCRIPT_DIR
#error "TERN_TRANSCRIPT_DIR must name the transcripts directory"
#endif

namespace tern::imap_gateway {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace sv = storage::v1;

constexpr char kAccount[] = "ann@example.test";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint32_t FlagBits(const std::vector<std::string>& names) {
  uint32_t bits = 0;
  for (const auto& n : names) {
    if (n == "\\Seen") bits |= sv::FLAG_SEEN;
    if (n == "\\Answered") bits |= sv::FLAG_ANSWERED;
    if (n == "\\Flagged") bits |= sv::FLAG_FLAGGED;
    if (n == "\\Deleted") bits |= sv::FLAG_DELETED;
    if (n == "\\Draft") bits |= sv::FLAG_DRAFT;
  }
  return bits;
}

class Player {
 public:
  Player(int port, testing::FakeMailStore& store) : port_(port), store_(store) {}

  // Plays `script`; the transcript, or an "error:" line where the script itself is wrong.
  std::string Play(const std::string& script) {
    std::vector<std::string> lines = absl::StrSplit(script, '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    Connect();
    std::string tag;           // of the command in progress
    bool continuing = false;   // the next client line continues it
    for (size_t i = 0; i < lines.size() && !stuck_; ++i) {
      std::string line = lines[i];
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("#", 0) == 0) {
        out_ += line + "\n";
        continue;
      }
      if (line.rfind("! ", 0) == 0) {
        out_ += line + "\n";
        if (!Directive(line.substr(2))) return out_ + "error: bad directive\n";
        continue;
      }
      if (line.rfind("~ ", 0) == 0) {
        ReadUntil([p = line.substr(2)](const std::string& l) { return l.rfind(p, 0) == 0; });
        continue;
      }
      if (!continuing) tag = line.substr(0, line.find(' '));
      // The command with its literals.
      for (;;) {
        Send(line);
        uint64_t n = 0;
        bool sync = false;
        if (!LiteralAtEnd(line, &n, &sync)) break;
        bool refused = false;
        if (sync) {
          const std::string got = ReadUntil([&tag](const std::string& l) {
            return l.rfind("+", 0) == 0 || l.rfind(tag + " ", 0) == 0;
          });
          refused = got.rfind("+", 0) != 0;
        }
        std::string literal;
        while (literal.size() < n && ++i < lines.size()) {
          std::string part = lines[i];
          if (!part.empty() && part.back() == '\r') part.pop_back();
          literal += part + "\r\n";
          out_ += "C: " + part + "\n";
        }
        if (literal.size() != n) return out_ + "error: literal is not " + std::to_string(n) + "\n";
        if (refused) break;
        asio::write(socket_, asio::buffer(literal));
        if (++i >= lines.size()) return out_ + "error: the command has no end after its literal\n";
        line = lines[i];
        if (!line.empty() && line.back() == '\r') line.pop_back();
      }
      const std::string got = ReadUntil([&tag](const std::string& l) {
        return l.rfind("+", 0) == 0 || l.rfind(tag + " ", 0) == 0;
      });
      continuing = got.rfind("+", 0) == 0;
    }
    return out_;
  }

 private:
  void Connect() {
    boost::system::error_code ec;
    socket_.close(ec);
    socket_ = asio::ip::tcp::socket(io_);
    socket_.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
    buf_.clear();
    ReadLine();  // the greeting
  }

  void Send(const std::string& line) {
    out_ += "C: " + line + "\n";
    asio::write(socket_, asio::buffer(line + "\r\n"));
  }

  // One server line into the transcript; false at the end of the stream.
  bool ReadLine(std::string* line = nullptr) {
    size_t end;
    while ((end = buf_.find("\r\n")) == std::string::npos) {
      // A hang guard only (Asio's blocking reads ignore SO_RCVTIMEO): a transcript waiting
      // for an answer that never comes fails at once instead of hanging the suite.
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1) {
        out_ += "S: <no answer within 10 s>\n";
        stuck_ = true;
        return false;
      }
      char tmp[4096];
      boost::system::error_code ec;
      size_t n = socket_.read_some(asio::buffer(tmp), ec);
      if (ec) {
        out_ += ec == asio::error::eof ? "S: <closed>\n" : "S: <read failed: " + ec.message() + ">\n";
        return false;
      }
      buf_.append(tmp, n);
    }
    std::string l = buf_.substr(0, end);
    buf_.erase(0, end + 2);
    out_ += "S: " + l + "\n";
    if (line) *line = l;
    return true;
  }

  // The line that matched, or "" when the stream ended first.
  template <typename Pred>
  std::string ReadUntil(Pred pred) {
    std::string l;
    while (ReadLine(&l)) {
      if (pred(l)) return l;
    }
    return "";
  }

  static bool LiteralAtEnd(const std::string& line, uint64_t* n, bool* sync) {
    if (line.size() < 3 || line.back() != '}') return false;
    const size_t open = line.rfind('{');
    if (open == std::string::npos) return false;
    std::string_view digits(line.data() + open + 1, line.size() - open - 2);
    *sync = true;
    if (!digits.empty() && digits.back() == '+') {
      *sync = false;
      digits.remove_suffix(1);
    }
    return absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), n);
  }

  bool Directive(const std::string& d) {
    std::vector<std::string> w = absl::StrSplit(d, ' ', absl::SkipEmpty());
    if (w.empty()) return false;
    uint32_t uid = 0;
    if (w[0] == "deliver" && w.size() >= 3) {
      std::string subject = d.substr(d.find(w[2], w[0].size() + w[1].size() + 1));
      store_.Deliver(kAccount, w[1],
                     "From: bob@example.test\r\nSubject: " + subject + "\r\n\r\nAbout " + subject +
                         ".\r\n");
      return true;
    }
    if (w[0] == "flags" && w.size() >= 3 && absl::SimpleAtoi(w[2], &uid)) {
      store_.SetFlags(kAccount, w[1], uid, FlagBits({w.begin() + 3, w.end()}));
      return true;
    }
    if (w[0] == "remove" && w.size() == 3 && absl::SimpleAtoi(w[2], &uid)) {
      store_.Remove(kAccount, w[1], uid);
      return true;
    }
    if (w[0] == "down" || w[0] == "up") {
      store_.SetUnavailable(w[0] == "down");
      return true;
    }
    if (w[0] == "reconnect") {
      Connect();
      return true;
    }
    return false;
  }

  int port_;
  testing::FakeMailStore& store_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::string buf_;
  std::string out_;
  bool stuck_ = false;  // an answer never came: the rest of the script is not played
};

class TranscriptTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auth_ = std::make_shared<clients::FakeAuthClient>();
    auth_->AddDomain("example.test");
    auth_->AddAccount(kAccount, "ann-password");
    storage_ = std::make_shared<clients::FakeStorageClient>();
    store_ = std::make_shared<testing::FakeMailStore>();
    store_->AddAccount(kAccount);
    for (const char* s : {"first", "second", "third"}) {
      store_->Deliver(kAccount, "INBOX",
                      std::string("From: bob@example.test\r\nSubject: ") + s + "\r\n\r\nAbout " +
                          s + ".\r\n");
    }
    auto c = LoadConfig("");
    ASSERT_TRUE(c.ok()) << c.status();
    c->imap_listen = c->http_listen = "127.0.0.1:0";
    c->imaps_listen = "";
    c->plaintext_auth_networks = {"127.0.0.0/8"};
    c->hostname = "imap.example.test";
    auto s = ImapServer::Start(*c, auth_, storage_, store_, store_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop(absl::ZeroDuration());
  }

  std::shared_ptr<clients::FakeAuthClient> auth_;
  std::shared_ptr<clients::FakeStorageClient> storage_;
  std::shared_ptr<testing::FakeMailStore> store_;
  std::unique_ptr<ImapServer> server_;
};

TEST_P(TranscriptTest, MatchesGolden) {
  const fs::path dir(TERN_TRANSCRIPT_DIR);
  const std::string script = ReadFile(dir / (GetParam() + ".in"));
  ASSERT_FALSE(script.empty()) << GetParam() << ".in is missing or empty";
  Player player(server_->imap_port(), *store_);
  const std::string got = player.Play(script);
  const fs::path ref = dir / (GetParam() + ".ref");
  if (getenv("TERN_UPDATE_GOLDEN")) {
    std::ofstream(ref, std::ios::binary) << got;
    GTEST_SKIP() << "rewrote " << ref;
  }
  EXPECT_EQ(ReadFile(ref), got) << "the transcript of " << GetParam() << ".in differs from "
                                << ref << " (TERN_UPDATE_GOLDEN=1 rewrites it)";
}

std::vector<std::string> Transcripts() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(TERN_TRANSCRIPT_DIR)) {
    if (e.path().extension() == ".in") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Golden, TranscriptTest, ::testing::ValuesIn(Transcripts()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tern::imap_gateway
