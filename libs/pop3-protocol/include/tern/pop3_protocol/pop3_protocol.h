// The POP3 server codec (RFC 1939 with CAPA and response codes from RFC 2449 and RFC 3206, STLS
// from RFC 2595, SASL AUTH from RFC 5034), pure: bytes in, typed values out, reply bytes out.
// No sockets, no TLS, no threads; the pop3-gateway session drives it. One header per piece:
//  - limits.h          Limits: every bound, with its default
//  - command_reader.h  CommandReader: the byte stream -> command lines (pipelining, STLS)
//  - command.h         ParseCommand: a line -> Command (a variant of small structs)
//  - state.h           State and the one table of which command runs when (Refusal)
//  - reply.h           Reply, Format, the standard reply table, greeting and one-line answers
//  - multiline.h       MultilineWriter (RETR, dot-stuffing) and TopWriter (TOP)
//  - listing.h         CAPA, the AUTH mechanism list, LIST and UIDL listings
//  - unique_id.h       UIDL values from (UIDVALIDITY, UID)
//  - auth.h            base64 and SASL framing
#pragma once

#include "tern/pop3_protocol/auth.h"
#include "tern/pop3_protocol/command.h"
#include "tern/pop3_protocol/command_reader.h"
#include "tern/pop3_protocol/limits.h"
#include "tern/pop3_protocol/listing.h"
#include "tern/pop3_protocol/multiline.h"
#include "tern/pop3_protocol/reply.h"
#include "tern/pop3_protocol/state.h"
#include "tern/pop3_protocol/unique_id.h"
