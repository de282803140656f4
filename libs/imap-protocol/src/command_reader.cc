// CommandReader: whole IMAP commands out of a byte stream, literals inline, within the limits.
#include "tern/imap_protocol/command_reader.h"

#include <algorithm>
#include <charconv>

#include "grammar.h"

namespace tern::imap_protocol {
namespace {

using internal::IEquals;
using internal::IsDigit;
using internal::IsTagChar;
using internal::kMaxLiteralDigits;

constexpr size_t kTailKept = 64;  // of a skipped line, enough for "{<20 digits>+}"

struct LiteralEnd {
  bool found = false;
  bool sync = true;
  bool huge = false;  // over 2^64-1 or over 20 digits, or the digits run past what was kept
  uint64_t n = 0;
};

// A literal announcement "{n}" / "{n+}" at the end of a line (its CRLF removed). With
// `truncated` the start of the line is gone, so a run of digits up to the start is a huge one.
LiteralEnd LiteralAt(std::string_view line, bool truncated = false) {
  LiteralEnd lit;
  if (line.empty() || line.back() != '}') return lit;
  size_t end = line.size() - 1;
  bool sync = true;
  if (end > 0 && line[end - 1] == '+') {
    sync = false;
    --end;
  }
  size_t start = end;
  while (start > 0 && IsDigit(line[start - 1])) --start;
  if (start == end) return lit;
  if (start == 0) {
    if (!truncated) return lit;
    lit.found = true;
    lit.sync = sync;
    lit.huge = true;
    return lit;
  }
  if (line[start - 1] != '{') return lit;
  lit.found = true;
  lit.sync = sync;
  const auto [p, ec] = std::from_chars(line.data() + start, line.data() + end, lit.n);
  lit.huge = ec != std::errc() || end - start > kMaxLiteralDigits;
  return lit;
}

// The tag of a command's first line: tag characters up to a SP, else "".
std::string TagOf(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsTagChar(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ' ') return "";
  return std::string(line.substr(0, i));
}

// "<tag> APPEND ...": the first line of an APPEND. Sets *mailbox_literal when the line is
// "<tag> APPEND {n}": the literal announced is the mailbox name, not the message.
bool IsAppend(std::string_view line, bool* mailbox_literal) {
  const std::string tag = TagOf(line);
  if (tag.empty()) return false;
  std::string_view rest = line.substr(tag.size() + 1);
  if (rest.size() < 7 || !IEquals(rest.substr(0, 6), "APPEND") || rest[6] != ' ') return false;
  rest.remove_prefix(7);
  *mailbox_literal = !rest.empty() && rest[0] == '{';
  return true;
}

void KeepTail(std::string_view more, std::string* tail, bool* truncated) {
  tail->append(more);
  if (tail->size() > kTailKept) {
    tail->erase(0, tail->size() - kTailKept);
    *truncated = true;
  }
}

}  // namespace

CommandReader::CommandReader(Limits limits) : limits_(limits) {}

void CommandReader::Feed(std::string_view bytes) {
  if (dead_) return;
  buf_.append(bytes);
}

void CommandReader::Compact() {
  if (pos_ == 0) return;
  buf_.erase(0, pos_);
  pos_ = 0;
}

void CommandReader::ResetCommand() {
  cmd_.clear();
  cmd_budget_ = 0;
  literal_left_ = 0;
  append_ = false;
  message_seen_ = false;
  first_line_ = true;
}

// Refuses the command under way. `line_end` is the end of its last line read: a
// non-synchronizing literal announced there is dropped (or, too big to drop, ends the stream),
// and so is the rest of the command after it.
CommandReader::Result CommandReader::Refuse(std::string tag, std::string_view text,
                                            std::string_view code, std::string_view line_end) {
  Result r;
  r.kind = Result::kRefused;
  r.tag = std::move(tag);
  r.text = std::string(text);
  r.code = std::string(code);
  const LiteralEnd lit = LiteralAt(line_end, skip_truncated_);
  ResetCommand();
  if (lit.found && !lit.sync) {
    if (lit.huge || lit.n > limits_.max_discard) {
      dead_ = true;
      r.fatal = true;
      buf_.clear();
      pos_ = 0;
    } else {
      discard_left_ = lit.n;
      pending_tag_ = r.tag;
    }
  }
  return r;
}

CommandReader::Result CommandReader::Next() {
  Result r;
  // A line over max_line (`head` its first octets): skipped to its end, then refused.
  auto skip_long_line = [this](std::string_view head) {
    pending_tag_ = first_line_ ? TagOf(head) : TagOf(cmd_);
    refuse_pending_ = true;
    skipping_ = true;
    skip_plain_ = false;
    skip_tail_.clear();
    skip_truncated_ = false;
    scanned_ = 0;
  };
  for (;;) {
    if (dead_) {
      buf_.clear();
      pos_ = 0;
      return r;
    }
    const size_t avail = buf_.size() - pos_;
    if (discard_left_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(avail, discard_left_));
      pos_ += n;
      discard_left_ -= n;
      if (discard_left_ > 0) {
        Compact();
        return r;
      }
      // The rest of the refused command follows the literal: skip it too.
      skipping_ = true;
      skip_plain_ = false;
      skip_tail_.clear();
      skip_truncated_ = false;
      continue;
    }
    if (skipping_) {
      const size_t lf = buf_.find('\n', pos_);
      if (lf == std::string::npos) {
        KeepTail(std::string_view(buf_).substr(pos_), &skip_tail_, &skip_truncated_);
        pos_ = buf_.size();
        Compact();
        return r;
      }
      KeepTail(std::string_view(buf_).substr(pos_, lf - pos_), &skip_tail_, &skip_truncated_);
      pos_ = lf + 1;
      skipping_ = false;
      scanned_ = 0;
      std::string tail = std::move(skip_tail_);
      skip_tail_.clear();
      if (!tail.empty() && tail.back() == '\r') tail.pop_back();
      if (skip_plain_) {  // a NextLine() line; Next() has nothing to say about it
        skip_plain_ = false;
        skip_truncated_ = false;
        continue;
      }
      if (refuse_pending_) {
        refuse_pending_ = false;
        r = Refuse(pending_tag_, "Line too long", "", tail);
        skip_truncated_ = false;
        return r;
      }
      // A line of a command already refused: only a literal at its end matters.
      const LiteralEnd lit = LiteralAt(tail, skip_truncated_);
      skip_truncated_ = false;
      if (lit.found && !lit.sync) {
        if (lit.huge || lit.n > limits_.max_discard) {
          r.kind = Result::kRefused;
          r.tag = pending_tag_;
          r.text = "Literal too big";
          r.fatal = true;
          dead_ = true;
          buf_.clear();
          pos_ = 0;
          return r;
        }
        discard_left_ = lit.n;
      } else {
        ResetCommand();
      }
      continue;
    }
    if (literal_left_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(avail, literal_left_));
      cmd_.append(buf_, pos_, n);
      pos_ += n;
      literal_left_ -= n;
      if (literal_left_ > 0) {
        Compact();
        return r;
      }
      continue;
    }
    // A line of the command.
    const size_t lf = buf_.find('\n', pos_ + scanned_);
    if (lf == std::string::npos) {
      scanned_ = avail;
      if (scanned_ > limits_.max_line) {
        // Too long whatever comes: drop it as it arrives, refuse at its end.
        skip_long_line(std::string_view(buf_).substr(pos_, limits_.max_line));
      } else {
        Compact();
        return r;
      }
      continue;
    }
    const size_t raw = lf + 1 - pos_;
    std::string_view line = std::string_view(buf_).substr(pos_, lf - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    scanned_ = 0;
    if (raw > limits_.max_line) {
      // Even when it is all here: the literal at its end is read from the same kept tail
      // as when it arrives in pieces, so that any chunking gives the same refusal.
      skip_long_line(line.substr(0, limits_.max_line));
      continue;
    }
    bool mailbox_literal = false;
    if (first_line_) append_ = IsAppend(line, &mailbox_literal);
    cmd_budget_ += line.size() + 2;
    const LiteralEnd lit = LiteralAt(line);
    if (!lit.found) {
      if (cmd_budget_ > limits_.max_command) {
        std::string tag = first_line_ ? TagOf(line) : TagOf(cmd_);
        r = Refuse(std::move(tag), "Command too long", "", "");
        pos_ = lf + 1;
        return r;
      }
      cmd_.append(line);
      pos_ = lf + 1;
      r.kind = Result::kCommand;
      r.command = std::move(cmd_);
      ResetCommand();
      return r;
    }
    const bool message = append_ && !mailbox_literal && !message_seen_;
    const uint64_t limit = message ? limits_.max_append_literal : limits_.max_literal;
    std::string_view refusal;
    if (lit.huge || lit.n > limit) {
      refusal = "Literal too big";
    } else if (cmd_budget_ > limits_.max_command ||
               (!message && lit.n > limits_.max_command - cmd_budget_)) {
      refusal = "Command too long";
    }
    if (!refusal.empty()) {
      std::string tag = first_line_ ? TagOf(line) : TagOf(cmd_);
      r = Refuse(std::move(tag), refusal, append_ ? "TOOBIG" : "", line);
      pos_ = lf + 1;
      return r;
    }
    cmd_.append(line);
    cmd_.append("\r\n");
    pos_ = lf + 1;
    if (!message) cmd_budget_ += lit.n;
    if (message) message_seen_ = true;
    literal_left_ = lit.n;
    first_line_ = false;
    if (lit.sync) {
      r.kind = Result::kContinue;
      return r;
    }
  }
}

CommandReader::Result CommandReader::NextLine() {
  Result r;
  for (;;) {
    if (dead_) {
      buf_.clear();
      pos_ = 0;
      return r;
    }
    if (skipping_ && skip_plain_) {
      const size_t lf = buf_.find('\n', pos_);
      if (lf == std::string::npos) {
        pos_ = buf_.size();
        Compact();
        return r;
      }
      pos_ = lf + 1;
      skipping_ = false;
      skip_plain_ = false;
      r.kind = Result::kTooLong;
      return r;
    }
    const size_t avail = buf_.size() - pos_;
    const size_t lf = buf_.find('\n', pos_ + scanned_);
    if (lf == std::string::npos) {
      scanned_ = avail;
      if (scanned_ > limits_.max_sasl_line) {
        skipping_ = true;
        skip_plain_ = true;
        scanned_ = 0;
        continue;
      }
      Compact();
      return r;
    }
    const size_t raw = lf + 1 - pos_;
    std::string_view line = std::string_view(buf_).substr(pos_, lf - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    scanned_ = 0;
    if (raw > limits_.max_sasl_line) {
      pos_ = lf + 1;
      r.kind = Result::kTooLong;
      return r;
    }
    r.kind = Result::kLine;
    r.command = std::string(line);
    pos_ = lf + 1;
    return r;
  }
}

bool CommandReader::mid_command() const {
  return !cmd_.empty() || pos_ < buf_.size() || literal_left_ > 0 || discard_left_ > 0 ||
         skipping_ || !first_line_;
}

size_t CommandReader::DiscardBuffered() {
  const size_t n = buf_.size() - pos_ + cmd_.size();
  buf_.clear();
  pos_ = 0;
  scanned_ = 0;
  discard_left_ = 0;
  skipping_ = false;
  skip_plain_ = false;
  refuse_pending_ = false;
  skip_tail_.clear();
  skip_truncated_ = false;
  ResetCommand();
  return n;
}

}  // namespace tern::imap_protocol
