#include "dsn.h"

#include "absl/strings/str_cat.h"

namespace tern::smtp_ingress {
namespace {

std::string Date(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", t, absl::UTCTimeZone());
}

// Nothing from the remote side may break our header framing.
std::string Clean(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  return out;
}

}  // namespace

std::string HeaderBlock(const std::string& message, size_t limit) {
  size_t end = message.find("\r\n\r\n");
  end = end == std::string::npos ? message.size() : end + 2;
  if (end > limit) {
    size_t cut = message.rfind("\r\n", limit);
    end = cut == std::string::npos ? 0 : cut + 2;
  }
  return message.substr(0, end);
}

std::string BuildBounce(const Bounce& b) {
  const std::string boundary = "tern-dsn-" + b.message_id;
  std::string m;
  absl::StrAppend(&m, "From: Mail Delivery System <MAILER-DAEMON@", b.reporting_mta, ">\r\n");
  absl::StrAppend(&m, "To: <", Clean(b.sender), ">\r\n");
  absl::StrAppend(&m, "Subject: ", b.delayed ? "Delayed Mail (still being retried)"
                                             : "Undelivered Mail Returned to Sender", "\r\n");
  absl::StrAppend(&m, "Date: ", Date(b.now), "\r\n");
  absl::StrAppend(&m, "Message-ID: <", b.message_id, "@", b.reporting_mta, ">\r\n");
  absl::StrAppend(&m, "Auto-Submitted: auto-replied\r\n");  // RFC 3834: no replies to this
  absl::StrAppend(&m, "MIME-Version: 1.0\r\n");
  absl::StrAppend(&m, "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"",
                  boundary, "\"\r\n\r\n");
  absl::StrAppend(&m, "This is a MIME-encapsulated delivery status report.\r\n\r\n");

  absl::StrAppend(&m, "--", boundary, "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  absl::StrAppend(&m, "This is the mail system at ", b.reporting_mta, ".\r\n\r\n");
  const char* plural = b.recipients.size() == 1 ? "" : "s";
  if (b.delayed) {
    absl::StrAppend(&m, "Your message could not be delivered yet to the following recipient",
                    plural, ". The mail system keeps trying until ", Date(b.retry_until),
                    ";\r\nyou need not send it again. This is only a warning.\r\n\r\n");
  } else {
    absl::StrAppend(&m, "Your message could not be delivered to the following recipient",
                    plural, ". The mail system gave up;\r\n",
                    "the report below says why for each one.\r\n\r\n");
  }
  for (const auto& r : b.recipients) {
    absl::StrAppend(&m, "<", Clean(r.address), ">: ");
    if (!r.remote_mta.empty()) absl::StrAppend(&m, "host ", Clean(r.remote_mta), " said: ");
    absl::StrAppend(&m, Clean(r.diagnostic), "\r\n");
  }
  absl::StrAppend(&m, "\r\n");

  absl::StrAppend(&m, "--", boundary, "\r\nContent-Type: message/delivery-status\r\n\r\n");
  absl::StrAppend(&m, "Reporting-MTA: dns; ", b.reporting_mta, "\r\n");
  absl::StrAppend(&m, "Arrival-Date: ", Date(b.arrival), "\r\n");
  for (const auto& r : b.recipients) {
    absl::StrAppend(&m, "\r\nFinal-Recipient: rfc822; ", Clean(r.address), "\r\n");
    absl::StrAppend(&m, "Action: ", b.delayed ? "delayed" : "failed", "\r\n");
    absl::StrAppend(&m, "Status: ", Clean(r.status), "\r\n");
    if (!r.remote_mta.empty()) absl::StrAppend(&m, "Remote-MTA: dns; ", Clean(r.remote_mta), "\r\n");
    absl::StrAppend(&m, "Diagnostic-Code: ", r.remote ? "smtp; " : "X-Tern; ", Clean(r.diagnostic),
                    "\r\n");
    absl::StrAppend(&m, "Last-Attempt-Date: ", Date(b.now), "\r\n");
    if (b.delayed) absl::StrAppend(&m, "Will-Retry-Until: ", Date(b.retry_until), "\r\n");
  }
  absl::StrAppend(&m, "\r\n");

  absl::StrAppend(&m, "--", boundary, "\r\nContent-Type: text/rfc822-headers\r\n\r\n");
  absl::StrAppend(&m, HeaderBlock(b.original, 64 * 1024));
  absl::StrAppend(&m, "\r\n--", boundary, "--\r\n");
  return m;
}

}  // namespace tern::smtp_ingress
