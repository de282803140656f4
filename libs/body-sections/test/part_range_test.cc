// Part ranges over hand-made structures: nesting, message/rfc822, and the errors. (Ranges over
// structures storage parses from real messages: storage's parsed_test.)
#include "tern/body_sections/part_range.h"

#include "gtest/gtest.h"
#include "tern/core/error.h"

namespace tern::body_sections {
namespace {

namespace pb = ::tern::storage::v1;

pb::BodyPart Leaf(const char* type, const char* subtype, uint64_t header_offset,
                  uint64_t header_size, uint64_t body_offset, uint64_t body_size) {
  pb::BodyPart p;
  p.set_type(type);
  p.set_subtype(subtype);
  p.set_header_offset(header_offset);
  p.set_header_size(header_size);
  p.set_body_offset(body_offset);
  p.set_body_size(body_size);
  return p;
}

// multipart/mixed (1: text/plain, 2: message/rfc822 holding multipart/alternative (1, 2)).
pb::BodyPart Tree() {
  pb::BodyPart root = Leaf("multipart", "mixed", 0, 100, 100, 900);
  *root.add_children() = Leaf("text", "plain", 120, 30, 150, 50);
  pb::BodyPart* msg = root.add_children();
  *msg = Leaf("message", "rfc822", 220, 40, 260, 700);
  pb::BodyPart* inner = msg->add_children();
  *inner = Leaf("multipart", "alternative", 260, 80, 340, 620);
  *inner->add_children() = Leaf("text", "plain", 360, 20, 380, 100);
  *inner->add_children() = Leaf("text", "html", 500, 25, 525, 300);
  return root;
}

std::pair<uint64_t, uint64_t> Got(const std::vector<uint32_t>& path, PartSection s) {
  const pb::BodyPart root = Tree();
  auto r = PartRange(root, path, s);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::make_pair(r->start, r->length) : std::make_pair(~uint64_t{0}, ~uint64_t{0});
}

TEST(PartRangeTest, NamesNestedPartsAndThePartsOfAnEnclosedMessage) {
  using P = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(Got({1}, PartSection::kBody), (P{150, 50}));
  EXPECT_EQ(Got({1}, PartSection::kMime), (P{120, 30}));
  EXPECT_EQ(Got({2}, PartSection::kBody), (P{260, 700})) << "the whole enclosed message";
  EXPECT_EQ(Got({2}, PartSection::kMessageHeader), (P{260, 80}));
  EXPECT_EQ(Got({2}, PartSection::kMessageText), (P{340, 620}));
  EXPECT_EQ(Got({2, 1}, PartSection::kBody), (P{380, 100})) << "2.1 is inside the message";
  EXPECT_EQ(Got({2, 2}, PartSection::kMime), (P{500, 25}));
}

TEST(PartRangeTest, ASinglePartMessageHasOnlyPartOne) {
  const pb::BodyPart root = Leaf("text", "plain", 0, 50, 50, 10);
  auto r = PartRange(root, {1}, PartSection::kBody);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->start, 50u);
  EXPECT_EQ(r->length, 10u);
  EXPECT_EQ(ReasonOf(PartRange(root, {2}, PartSection::kBody).status()), Reason::kNoSuchPart);
  EXPECT_EQ(ReasonOf(PartRange(root, {1, 1}, PartSection::kBody).status()), Reason::kNoSuchPart);
}

TEST(PartRangeTest, RefusesWhatTheStructureDoesNotHave) {
  const pb::BodyPart root = Tree();
  EXPECT_EQ(ReasonOf(PartRange(root, {3}, PartSection::kBody).status()), Reason::kNoSuchPart);
  EXPECT_EQ(ReasonOf(PartRange(root, {2, 3}, PartSection::kBody).status()), Reason::kNoSuchPart);
  EXPECT_EQ(ReasonOf(PartRange(root, {1, 1}, PartSection::kBody).status()), Reason::kNoSuchPart)
      << "a text part has no parts of its own";
  EXPECT_EQ(ReasonOf(PartRange(root, {2, 1, 1}, PartSection::kBody).status()),
            Reason::kNoSuchPart);
  EXPECT_EQ(PartRange(root, {0}, PartSection::kBody).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PartRange(root, {1}, PartSection::kMessageHeader).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "HEADER of a part that is not a message";
}

}  // namespace
}  // namespace tern::body_sections
