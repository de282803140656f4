// Delivery status notifications (RFC 3464): the bounce a sender gets when Tern gives up on
// some recipients, or the warning that delivery to them is delayed. multipart/report with a human-readable part, the machine-readable
// message/delivery-status part and the original header block (text/rfc822-headers: the body
// is not returned, so a bounce never carries more than the headers back).
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tern::smtp_ingress {

struct FailedRecipient {
  std::string address;
  std::string status;      // RFC 3463 code, e.g. "5.1.1"
  std::string diagnostic;  // the remote reply ("550 5.1.1 no such user") or our reason
  std::string remote_mta;  // host name that answered; empty when none did
  bool remote = false;     // diagnostic is an SMTP reply of remote_mta (else Tern's own)
};

struct Bounce {
  std::string reporting_mta;  // our host name
  std::string sender;         // the original envelope sender, who gets the report
  std::string message_id;     // for the Message-ID of the report
  absl::Time arrival;         // when the original was queued
  absl::Time now;
  std::vector<FailedRecipient> recipients;
  std::string original;       // the original message (only its header block is returned)
  // A warning, not a failure: the recipients are still being tried (Action: delayed), until
  // `retry_until`.
  bool delayed = false;
  absl::Time retry_until;
};

// The complete report message, CRLF line ends, ready to store or send with MAIL FROM:<>.
std::string BuildBounce(const Bounce& b);

// The original's header block (up to the first empty line), at most `limit` octets cut at a
// line end.
std::string HeaderBlock(const std::string& message, size_t limit);

}  // namespace tern::smtp_ingress
