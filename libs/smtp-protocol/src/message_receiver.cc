#include "tern/smtp_protocol/message_receiver.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace tern::smtp_protocol {
namespace {

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// Appends what still fits under max_message_size to `message` and counts everything.
void StoreBounded(const char* p, size_t n, uint64_t max, uint64_t* stored, BodyStatus* status,
                  std::string* message) {
  status->size = SaturatingAdd(status->size, n);
  if (status->too_big) return;
  const uint64_t room = max - *stored;
  if (n > room) {
    status->too_big = true;
    n = static_cast<size_t>(room);
  }
  message->append(p, n);
  *stored += n;
}

// Records a line's length so far (wire octets, ending included).
void MeasureLine(uint64_t len, size_t max, BodyStatus* status) {
  status->longest_line = std::max(status->longest_line, len);
  if (len > max) status->line_too_long = true;
}

// First CR or LF in [p, end), or end.
const char* FindLineEnding(const char* p, const char* end) {
  while (p < end && *p != '\r' && *p != '\n') ++p;
  return p;
}

}  // namespace

std::optional<ReplyId> BodyRejection(const BodyStatus& status, BodyType body) {
  if (status.too_big) return ReplyId::kMessageTooBig;
  if (body == BodyType::kBinaryMime) return std::nullopt;
  if (status.bare_lf || status.bare_cr) return ReplyId::kBareLineEnding;
  if (status.line_too_long) return ReplyId::kTextLineTooLong;
  return std::nullopt;
}

std::optional<ReplyId> RelayRejection(const BodyStatus& status, BodyType body) {
  if (body == BodyType::kBinaryMime) return std::nullopt;
  if (status.longest_line > kRfcTextLine) return ReplyId::kLineTooLongToRelay;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// DATA

DataReceiver::DataReceiver(Limits limits) : limits_(limits) {}

void DataReceiver::Store(const char* p, size_t n) {
  StoreBounded(p, n, limits_.max_message_size, &stored_, &status_, &message_);
}

void DataReceiver::Text(const char* p, size_t n) {
  line_len_ = SaturatingAdd(line_len_, n);
  MeasureLine(line_len_, limits_.max_text_line, &status_);
  Store(p, n);
}

// A state machine over the octets; text between line endings is handled a run at a time.
// States: kLineStart just after CRLF (or at the start); kDot after CRLF "."; kDotCr after
// CRLF "." CR; kText inside a line (also after a bare LF: not a line start); kCr after a CR
// inside a line, not yet known to be part of CRLF.
FeedResult DataReceiver::Feed(std::string_view bytes) {
  if (done_) return {0, true};
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  static constexpr char kCrLf[] = "\r\n";
  while (p < end) {
    switch (state_) {
      case kLineStart:
        line_len_ = 0;
        if (*p == '.') {  // the end, or a stuffed dot: not stored either way
          ++p;
          line_len_ = 1;
          state_ = kDot;
        } else {
          state_ = kText;
        }
        break;
      case kDot:
        if (*p == '\r') {
          ++p;
          ++line_len_;
          state_ = kDotCr;
        } else {
          state_ = kText;  // the dot was stuffing; the octet is ordinary
        }
        break;
      case kDotCr:
        if (*p == '\n') {
          done_ = true;
          return {static_cast<size_t>(p + 1 - begin), true};
        }
        // "." CR then not LF: the dot was stuffing and the CR is bare.
        status_.bare_cr = true;
        Store(kCrLf, 1);
        state_ = kText;
        break;
      case kText: {
        const char* q = FindLineEnding(p, end);
        if (q > p) Text(p, static_cast<size_t>(q - p));
        p = q;
        if (p == end) break;
        ++line_len_;
        MeasureLine(line_len_, limits_.max_text_line, &status_);
        if (*p == '\r') {
          state_ = kCr;  // stored once we know what follows
        } else {
          status_.bare_lf = true;
          Store(kCrLf + 1, 1);
          line_len_ = 0;
        }
        ++p;
        break;
      }
      case kCr:
        if (*p == '\n') {
          ++p;
          MeasureLine(++line_len_, limits_.max_text_line, &status_);
          Store(kCrLf, 2);
          state_ = kLineStart;
        } else {
          status_.bare_cr = true;
          Store(kCrLf, 1);
          state_ = kText;  // the octet after the CR is looked at again there
        }
        break;
    }
  }
  return {bytes.size(), false};
}

std::string DataReceiver::TakeMessage() { return std::exchange(message_, {}); }

// ---------------------------------------------------------------------------------------------
// BDAT

BdatReceiver::BdatReceiver(Limits limits) : limits_(limits) {}

void BdatReceiver::StartChunk(uint64_t size, bool last) {
  remaining_ = size;
  last_ = last;
  skipping_ = false;
  store_chunk_ = size <= limits_.max_bdat_chunk;
  if (!store_chunk_) status_.too_big = true;
  if (complete() && prev_cr_) status_.bare_cr = true;  // "BDAT 0 LAST" after a final CR
}

void BdatReceiver::SkipChunk(uint64_t size) {
  remaining_ = size;
  last_ = false;
  skipping_ = true;
}

// Tracks bare CR / LF and line lengths across chunk boundaries.
void BdatReceiver::Scan(std::string_view chunk) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end) {
    const char* q = FindLineEnding(p, end);
    if (q > p) {
      if (prev_cr_) status_.bare_cr = true;
      prev_cr_ = false;
      line_len_ = SaturatingAdd(line_len_, static_cast<uint64_t>(q - p));
    }
    if (q == end) break;
    ++line_len_;
    if (*q == '\r') {
      if (prev_cr_) status_.bare_cr = true;
      prev_cr_ = true;
    } else {
      if (!prev_cr_) status_.bare_lf = true;
      prev_cr_ = false;
    }
    MeasureLine(line_len_, limits_.max_text_line, &status_);
    if (*q == '\n') line_len_ = 0;
    p = q + 1;
  }
  MeasureLine(line_len_, limits_.max_text_line, &status_);
}

FeedResult BdatReceiver::Feed(std::string_view bytes) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(bytes.size(), remaining_));
  remaining_ -= n;
  if (!skipping_) {
    const std::string_view chunk = bytes.substr(0, n);
    Scan(chunk);
    if (store_chunk_) {
      StoreBounded(chunk.data(), chunk.size(), limits_.max_message_size, &stored_, &status_,
                   &message_);
    } else {
      status_.size = SaturatingAdd(status_.size, n);
    }
    if (complete() && prev_cr_) status_.bare_cr = true;  // the message ends with a lone CR
  }
  return {n, remaining_ == 0};
}

std::string BdatReceiver::TakeMessage() { return std::exchange(message_, {}); }

}  // namespace tern::smtp_protocol
