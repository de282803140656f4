// Internal: parsers for structured header field values (RFC 2045 Content-*, RFC 2231
// parameters). Address lists are public (ParseAddressList in mime.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tern/mime/mime.h"

namespace tern::mime::internal {

// Skips whitespace, line breaks and (nested) comments from `pos`; returns the new position.
size_t SkipCfws(std::string_view v, size_t pos);

// "type/subtype; params" (Content-Type). Returns false when the type/subtype is invalid; the
// outputs are then unspecified. `type` and `subtype` are lower-cased.
bool ParseContentType(std::string_view v, std::string* type, std::string* subtype,
                      std::vector<Param>* params, bool* malformed);

// "token; params" (Content-Disposition). `type` is lower-cased.
void ParseDisposition(std::string_view v, Disposition* out, bool* malformed);

// The first token of `v`, comments skipped, lower-cased (Content-Transfer-Encoding).
std::string ParseFirstTokenLower(std::string_view v);

// Comma-separated language tags, comments and whitespace removed (Content-Language).
std::vector<std::string> ParseLanguageList(std::string_view v);

}  // namespace tern::mime::internal
