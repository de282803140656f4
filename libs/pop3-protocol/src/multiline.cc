#include "tern/pop3_protocol/multiline.h"

#include <algorithm>

namespace tern::pop3_protocol {
namespace {

using detail::LineState;

// The rules of a multi-line body (see MultilineWriter), once for the writer and the counter:
// `sink` gets each stuffed dot (Dot) and the octets of the body as sent (Text). Returns the
// state after `chunk`.
template <typename Sink>
LineState Scan(LineState state, std::string_view chunk, Sink& sink) {
  size_t i = 0;
  size_t lf = 0;  // with have_lf: the first LF at or after i, or chunk.size()
  bool have_lf = false;
  while (i < chunk.size()) {
    switch (state) {
      case LineState::kLineStart:
        if (chunk[i] == '.') sink.Dot();  // the stuffed dot; the line's own follows
        state = LineState::kText;
        break;
      case LineState::kCr:
        if (chunk[i] == '\n') {  // CRLF split across chunks: the CR is already out
          sink.Text("\n");
          ++i;
          state = LineState::kLineStart;
        } else {
          state = LineState::kText;  // a lone CR: kept, and not a line end
        }
        break;
      case LineState::kText: {
        // Runs of text go out at once; only CR and LF need a look. Found with memchr (many
        // octets at a time; find_first_of tests them one by one), the next LF kept so that
        // lone CRs before it do not make the search start again: linear in the chunk.
        if (!have_lf || lf < i) {
          lf = std::min(chunk.find('\n', i), chunk.size());
          have_lf = true;
        }
        const size_t cr = chunk.substr(i, lf - i).find('\r');
        const size_t end = cr == std::string_view::npos ? lf : i + cr;
        if (end == chunk.size()) {
          sink.Text(chunk.substr(i));
          i = chunk.size();
          break;
        }
        sink.Text(chunk.substr(i, end - i));
        if (chunk[end] == '\n') {  // a bare LF: written as CRLF
          sink.Text("\r\n");
          state = LineState::kLineStart;
        } else {
          sink.Text("\r");
          state = LineState::kCr;
        }
        i = end + 1;
        break;
      }
    }
  }
  return state;
}

// What ends a last line that has no ending of its own.
std::string_view LastLineEnd(LineState state) {
  switch (state) {
    case LineState::kText: return "\r\n";
    case LineState::kCr: return "\n";
    case LineState::kLineStart: break;
  }
  return "";
}

struct WriteSink {
  std::string* out;
  void Dot() { out->push_back('.'); }
  void Text(std::string_view s) { out->append(s); }
};

struct CountSink {
  uint64_t* octets;
  void Dot() {}  // not part of the size
  void Text(std::string_view s) { *octets += s.size(); }
};

}  // namespace

void MultilineWriter::Write(std::string_view chunk, std::string* out) {
  WriteSink sink{out};
  state_ = Scan(state_, chunk, sink);
}

void MultilineWriter::Finish(std::string* out) {
  out->append(LastLineEnd(state_));
  out->append(".\r\n");
  state_ = LineState::kLineStart;
}

void ListSizeCounter::Add(std::string_view chunk) {
  CountSink sink{&octets_};
  state_ = Scan(state_, chunk, sink);
}

uint64_t ListSizeCounter::Total() const { return octets_ + LastLineEnd(state_).size(); }

uint64_t ListSize(std::string_view message) {
  ListSizeCounter counter;
  counter.Add(message);
  return counter.Total();
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
