// The SMTP server codec (RFC 5321 and the ESMTP extensions Tern offers), pure: bytes in, typed
// values out, reply bytes out. No sockets, no TLS, no threads; the smtp-ingress session drives
// it. One header per piece:
//  - limits.h            Limits: every bound, with its default
//  - command_reader.h    CommandReader: the byte stream -> command lines (pipelining, STARTTLS)
//  - command.h           ParseCommand: a line -> Command (a variant of small structs)
//  - message_receiver.h  DataReceiver (DATA, dot-stuffed) and BdatReceiver (CHUNKING)
//  - reply.h             Reply, Format, the standard reply table, EHLO and HELP answers
//  - auth.h              base64 and SASL response framing
//  - client.h            the client side for outbound delivery: replies, EHLO keywords, DATA
#pragma once

#include "tern/smtp_protocol/auth.h"
#include "tern/smtp_protocol/client.h"
#include "tern/smtp_protocol/command.h"
#include "tern/smtp_protocol/command_reader.h"
#include "tern/smtp_protocol/limits.h"
#include "tern/smtp_protocol/message_receiver.h"
#include "tern/smtp_protocol/reply.h"
