#include "tern/pop3_protocol/command_reader.h"

#include <algorithm>

#include "grammar.h"

namespace tern::pop3_protocol {

CommandReader::CommandReader(Limits limits) : limits_(limits) {}

void CommandReader::Feed(std::string_view bytes) {
  if (pos_ > 0) {  // compact: keep the capacity, drop what was read
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (discarding_) {  // inside an over-long line: keep nothing before its LF
    const size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) return;
    bytes.remove_prefix(lf + 1);
    discarding_ = false;
  }
  buf_.append(bytes);
}

CommandReader::Result CommandReader::Next(LineKind kind) {
  const std::string_view avail = std::string_view(buf_).substr(pos_);
  // The limit counts the CRLF; an AUTH line may be longer. A line whose first 5 octets are not
  // yet buffered is far below every sensible limit, so the choice is chunking-proof.
  size_t limit = limits_.max_command_line;
  if (kind == LineKind::kSaslResponse ||
      (avail.size() >= 5 && IEquals(avail.substr(0, 5), "AUTH "))) {
    limit = std::max(limit, limits_.max_auth_line);
  }
  const size_t max_text = limit >= 2 ? limit - 2 : 0;
  // A line within the limit has its LF among the first max_text + 2 octets.
  const size_t lf = avail.substr(0, max_text + 2).find('\n');
  if (lf == std::string_view::npos) {
    if (avail.size() < max_text + 2) return {};
    // Too long whatever follows: drop through the LF if we have it, else until it comes.
    const size_t later = avail.find('\n', max_text + 2);
    if (later == std::string_view::npos) {
      pos_ = buf_.size();
      discarding_ = true;
    } else {
      pos_ += later + 1;
    }
    return {Result::kTooLong, {}, false};
  }
  const bool bare = lf == 0 || avail[lf - 1] != '\r';
  const size_t text = bare ? lf : lf - 1;
  pos_ += lf + 1;
  if (text > max_text) return {Result::kTooLong, {}, false};  // max_text + 1 octets, then LF
  return {Result::kLine, avail.substr(0, text), bare};
}

std::string_view CommandReader::buffered() const { return std::string_view(buf_).substr(pos_); }

size_t CommandReader::DiscardBuffered() {
  const size_t n = buf_.size() - pos_;
  buf_.clear();
  pos_ = 0;
  discarding_ = false;
  return n;
}

}  // namespace tern::pop3_protocol
