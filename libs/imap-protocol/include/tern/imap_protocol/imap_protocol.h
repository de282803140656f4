// The IMAP4rev1 codec (RFC 3501 and the extensions Tern serves): a pure library, bytes in and
// typed commands out, response bytes out. No sockets, no gRPC, no SQL.
#pragma once

#include "tern/imap_protocol/command.h"
#include "tern/imap_protocol/command_reader.h"
#include "tern/imap_protocol/limits.h"
#include "tern/imap_protocol/mutf7.h"
#include "tern/imap_protocol/sequence_set.h"
#include "tern/imap_protocol/writer.h"
