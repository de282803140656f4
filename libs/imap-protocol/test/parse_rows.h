// Test helpers: a command fed through a CommandReader in every chunking (whole, bytewise,
// random; synchronizing literals answered) and parsed, and short printable forms of parsed
// values so that tables can state what they expect.
#pragma once

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/imap_protocol/command.h"
#include "tern/imap_protocol/command_reader.h"
#include "tern/testing/chunkings.h"

namespace tern::imap_protocol::test {

// `wire` (with its CRLF) through the reader in every chunking: exactly one command, the same
// for all, parsed.
inline Parsed ParseWire(const std::string& wire, const Limits& limits = {}) {
  std::string first;
  bool have = false;
  for (const auto& c : ::tern::testing::AllChunkings(wire)) {
    CommandReader reader(limits);
    std::vector<std::string> commands;
    for (std::string_view piece : c.pieces) {
      reader.Feed(piece);
      for (auto r = reader.Next(); r.kind != CommandReader::Result::kNeedMore; r = reader.Next()) {
        if (r.kind == CommandReader::Result::kCommand) commands.push_back(r.command);
        EXPECT_NE(r.kind, CommandReader::Result::kRefused) << c.name;
      }
    }
    EXPECT_EQ(commands.size(), 1u) << c.name;
    if (commands.size() != 1) return Parsed{};
    if (!have) {
      first = commands[0];
      have = true;
    }
    EXPECT_EQ(commands[0], first) << c.name;
  }
  return ParseCommand(first, limits);
}

inline std::string Describe(const SequenceSet& set) {
  std::string out;
  for (const SeqRange& r : set.ranges) {
    if (!out.empty()) out += ",";
    out += r.first == 0 ? "*" : std::to_string(r.first);
    if (r.last != r.first) out += ":" + (r.last == 0 ? std::string("*") : std::to_string(r.last));
  }
  return out;
}

inline std::string Describe(const Section& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.part.size(); ++i) out += (i ? "." : "") + std::to_string(s.part[i]);
  const char* dot = s.part.empty() ? "" : ".";
  switch (s.kind) {
    case Section::Kind::kAll: break;
    case Section::Kind::kHeader: out += dot + std::string("HEADER"); break;
    case Section::Kind::kHeaderFields: out += dot + std::string("HEADER.FIELDS"); break;
    case Section::Kind::kHeaderFieldsNot: out += dot + std::string("HEADER.FIELDS.NOT"); break;
    case Section::Kind::kText: out += dot + std::string("TEXT"); break;
    case Section::Kind::kMime: out += dot + std::string("MIME"); break;
  }
  if (!s.fields.empty()) {
    out += " (";
    for (size_t i = 0; i < s.fields.size(); ++i) out += (i ? " " : "") + s.fields[i];
    out += ")";
  }
  return out + "]";
}

inline std::string Describe(const FetchAtt& a) {
  using K = FetchAtt::Kind;
  switch (a.kind) {
    case K::kFlags: return "FLAGS";
    case K::kInternalDate: return "INTERNALDATE";
    case K::kRfc822: return "RFC822";
    case K::kRfc822Header: return "RFC822.HEADER";
    case K::kRfc822Size: return "RFC822.SIZE";
    case K::kRfc822Text: return "RFC822.TEXT";
    case K::kEnvelope: return "ENVELOPE";
    case K::kBody: return "BODY";
    case K::kBodyStructure: return "BODYSTRUCTURE";
    case K::kUid: return "UID";
    case K::kModSeq: return "MODSEQ";
    case K::kBinary: return "BINARY";
    case K::kBinarySize: return "BINARY.SIZE";
    case K::kSection: {
      std::string out = a.peek ? "BODY.PEEK" : "BODY";
      out += Describe(a.section);
      if (a.partial) {
        out += "<" + std::to_string(a.partial->first) + "." + std::to_string(a.partial->second) +
               ">";
      }
      return out;
    }
  }
  return "?";
}

inline std::string Describe(const std::vector<FetchAtt>& atts) {
  std::string out;
  for (const FetchAtt& a : atts) out += (out.empty() ? "" : " ") + Describe(a);
  return out;
}

inline std::string Describe(const SearchKey& k) {
  using K = SearchKey::Kind;
  auto date = [&](const char* name) {
    return std::string(name) + " " + std::to_string(k.date.year) + "-" +
           std::to_string(k.date.month) + "-" + std::to_string(k.date.day);
  };
  auto text = [&](const char* name) { return std::string(name) + " \"" + k.text + "\""; };
  switch (k.kind) {
    case K::kAll: return "ALL";
    case K::kAnswered: return "ANSWERED";
    case K::kDeleted: return "DELETED";
    case K::kDraft: return "DRAFT";
    case K::kFlagged: return "FLAGGED";
    case K::kNew: return "NEW";
    case K::kOld: return "OLD";
    case K::kRecent: return "RECENT";
    case K::kSeen: return "SEEN";
    case K::kUnanswered: return "UNANSWERED";
    case K::kUndeleted: return "UNDELETED";
    case K::kUndraft: return "UNDRAFT";
    case K::kUnflagged: return "UNFLAGGED";
    case K::kUnseen: return "UNSEEN";
    case K::kKeyword: return "KEYWORD " + k.text;
    case K::kUnkeyword: return "UNKEYWORD " + k.text;
    case K::kBcc: return text("BCC");
    case K::kCc: return text("CC");
    case K::kFrom: return text("FROM");
    case K::kTo: return text("TO");
    case K::kSubject: return text("SUBJECT");
    case K::kBody: return text("BODY");
    case K::kText: return text("TEXT");
    case K::kHeader: return "HEADER " + k.field + " \"" + k.text + "\"";
    case K::kBefore: return date("BEFORE");
    case K::kOn: return date("ON");
    case K::kSince: return date("SINCE");
    case K::kSentBefore: return date("SENTBEFORE");
    case K::kSentOn: return date("SENTON");
    case K::kSentSince: return date("SENTSINCE");
    case K::kLarger: return "LARGER " + std::to_string(k.number);
    case K::kSmaller: return "SMALLER " + std::to_string(k.number);
    case K::kModSeq: return "MODSEQ " + std::to_string(k.number);
    case K::kSequence: return Describe(k.set);
    case K::kUid: return "UID " + Describe(k.set);
    case K::kNot: return "NOT " + Describe(k.children.at(0));
    case K::kOr:
      return "OR " + Describe(k.children.at(0)) + " " + Describe(k.children.at(1));
    case K::kAnd: {
      std::string out = "(";
      for (size_t i = 0; i < k.children.size(); ++i) {
        out += (i ? " " : "") + Describe(k.children[i]);
      }
      return out + ")";
    }
  }
  return "?";
}

}  // namespace tern::imap_protocol::test
