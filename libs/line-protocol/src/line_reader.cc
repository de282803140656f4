#include "tern/line_protocol/line_reader.h"

namespace tern::line_protocol {

void LineReader::Feed(std::string_view bytes) {
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

LineReader::Result LineReader::Next(size_t max_line) {
  const std::string_view avail = std::string_view(buf_).substr(pos_);
  const size_t max_text = max_line >= 2 ? max_line - 2 : 0;
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

std::string_view LineReader::buffered() const { return std::string_view(buf_).substr(pos_); }

std::string LineReader::TakeBuffered() {
  std::string out(buffered());
  DiscardBuffered();
  return out;
}

size_t LineReader::DiscardBuffered() {
  const size_t n = buf_.size() - pos_;
  buf_.clear();
  pos_ = 0;
  discarding_ = false;
  return n;
}

}  // namespace tern::line_protocol
