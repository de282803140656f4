#include "tern/pop3_protocol/multiline.h"

#include <algorithm>

namespace tern::pop3_protocol {

void MultilineWriter::Write(std::string_view chunk, std::string* out) {
  size_t i = 0;
  while (i < chunk.size()) {
    switch (state_) {
      case kLineStart:
        if (chunk[i] == '.') out->push_back('.');  // the stuffed dot; the line's own follows
        state_ = kText;
        break;
      case kCr:
        if (chunk[i] == '\n') {  // CRLF split across chunks: the CR is already out
          out->push_back('\n');
          ++i;
          state_ = kLineStart;
        } else {
          state_ = kText;  // a lone CR: kept, and not a line end
        }
        break;
      case kText: {
        // Runs of text are appended at once; only CR and LF need a look.
        const size_t end = chunk.find_first_of("\r\n", i);
        if (end == std::string_view::npos) {
          out->append(chunk.substr(i));
          i = chunk.size();
          break;
        }
        out->append(chunk.substr(i, end - i));
        if (chunk[end] == '\n') {  // a bare LF: written as CRLF
          out->append("\r\n");
          state_ = kLineStart;
        } else {
          out->push_back('\r');
          state_ = kCr;
        }
        i = end + 1;
        break;
      }
    }
  }
}

void MultilineWriter::Finish(std::string* out) {
  if (state_ == kText) out->append("\r\n");
  if (state_ == kCr) out->push_back('\n');
  out->append(".\r\n");
  state_ = kLineStart;
}

std::string DotStuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  MultilineWriter writer;
  writer.Write(message, &out);
  writer.Finish(&out);
  return out;
}

bool TopWriter::Write(std::string_view chunk, std::string* out) {
  while (!done_ && !chunk.empty()) {
    const size_t lf = chunk.find('\n');
    const std::string_view piece = lf == std::string_view::npos ? chunk : chunk.substr(0, lf + 1);
    const std::string_view text = lf == std::string_view::npos ? piece : piece.substr(0, lf);
    if (!text.empty()) {
      if (line_octets_ == 0) line_starts_cr_ = text[0] == '\r';
      line_octets_ = std::min<size_t>(2, line_octets_ + text.size());
    }
    writer_.Write(piece, out);
    chunk.remove_prefix(piece.size());
    if (lf == std::string_view::npos) break;
    // A line ended. It is empty if nothing but a CR came before its LF.
    const bool empty = line_octets_ == 0 || (line_octets_ == 1 && line_starts_cr_);
    line_octets_ = 0;
    line_starts_cr_ = false;
    if (in_headers_) {
      if (empty) {
        in_headers_ = false;
        done_ = remaining_ == 0;
      }
    } else {
      done_ = --remaining_ == 0;
    }
  }
  return done_;
}

void TopWriter::Finish(std::string* out) { writer_.Finish(out); }

std::string TopOf(std::string_view message, uint64_t body_lines) {
  std::string out;
  TopWriter writer(body_lines);
  writer.Write(message, &out);
  writer.Finish(&out);
  return out;
}

}  // namespace tern::pop3_protocol
