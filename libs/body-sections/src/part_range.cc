#include "tern/body_sections/part_range.h"

#include "tern/core/error.h"

namespace tern::body_sections {

namespace pb = ::tern::storage::v1;

absl::StatusOr<const pb::BodyPart*> FindPart(const pb::BodyPart& root,
                                             const std::vector<uint32_t>& path) {
  auto encloses = [](const pb::BodyPart* p) {
    return p->type() == "message" && p->subtype() == "rfc822" && p->children_size() == 1;
  };
  const pb::BodyPart* cur = &root;
  bool leaf = false;  // cur has no parts below it: no number may follow
  for (size_t i = 0; i < path.size(); ++i) {
    const uint32_t n = path[i];
    if (n == 0) return absl::InvalidArgumentError("part numbers start at 1");
    if (leaf) return ReasonError(Reason::kNoSuchPart, "no such body part");
    if (i > 0 && encloses(cur)) cur = &cur->children(0);  // the parts of the message it holds
    if (cur->type() == "multipart") {
      if (n > static_cast<uint32_t>(cur->children_size())) {
        return ReasonError(Reason::kNoSuchPart, "no such body part");
      }
      cur = &cur->children(static_cast<int>(n - 1));
    } else if (n != 1) {
      return ReasonError(Reason::kNoSuchPart, "no such body part");
    }
    leaf = cur->type() != "multipart" && !encloses(cur);
  }
  return cur;
}

absl::StatusOr<Range> PartRange(const pb::BodyPart& root, const std::vector<uint32_t>& path,
                                PartSection section) {
  absl::StatusOr<const pb::BodyPart*> found = FindPart(root, path);
  if (!found.ok()) return found.status();
  const pb::BodyPart& p = **found;
  switch (section) {
    case PartSection::kBody: return Range{p.body_offset(), p.body_size()};
    case PartSection::kMime: return Range{p.header_offset(), p.header_size()};
    case PartSection::kMessageHeader:
    case PartSection::kMessageText: {
      if (p.type() != "message" || p.children_size() != 1) {
        return absl::InvalidArgumentError("part is not a message/rfc822");
      }
      const pb::BodyPart& inner = p.children(0);
      return section == PartSection::kMessageHeader
                 ? Range{inner.header_offset(), inner.header_size()}
                 : Range{inner.body_offset(), inner.body_size()};
    }
  }
  return absl::InvalidArgumentError("unknown part section");
}

}  // namespace tern::body_sections
