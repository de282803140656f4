// Between the tern.storage.v1 messages and MailStore's own types (store_types.h): the whole of
// the proto <-> struct mapping, used by service.cc. A request that cannot be expressed in the
// store's types (an enum value this build does not know) is INVALID_ARGUMENT.
#pragma once

#include "absl/status/statusor.h"
#include "store_types.h"
#include "tern/storage/v1/storage.pb.h"

namespace tern::storage {

namespace pb = ::tern::storage::v1;

CreateMailboxArgs FromProto(const pb::CreateMailboxRequest& req);
ListMailboxesArgs FromProto(const pb::ListMailboxesRequest& req);
// The views in the result point into `req`.
DeliverArgs FromProto(const pb::DeliverRequest& req);
AppendArgs FromProto(const pb::AppendRequest& req);
SelectArgs FromProto(const pb::SelectRequest& req);
FetchMetadataArgs FromProto(const pb::FetchMetadataRequest& req);
absl::StatusOr<FetchContentArgs> FromProto(const pb::FetchContentRequest& req);
FetchMessagesArgs FromProto(const pb::FetchMessagesRequest& req);
absl::StatusOr<StoreFlagsArgs> FromProto(const pb::StoreFlagsRequest& req);
CopyArgs FromProto(const pb::CopyRequest& req);
ExpungeArgs FromProto(const pb::ExpungeRequest& req);
ChangesSinceArgs FromProto(const pb::ChangesSinceRequest& req);
SearchArgs FromProto(const pb::SearchRequest& req);
LeaseArgs FromProto(const pb::LeaseRequest& req);
ClaimOutboundArgs FromProto(const pb::ClaimOutboundRequest& req);
CompleteOutboundArgs FromProto(const pb::CompleteOutboundRequest& req);
absl::StatusOr<UpdateOutboundArgs> FromProto(const pb::UpdateOutboundRequest& req);
SetQuotaArgs FromProto(const pb::SetQuotaRequest& req);

void ToProto(const MailboxInfo& in, pb::MailboxInfo* out);
void ToProto(const MailboxList& in, pb::ListMailboxesResponse* out);
void ToProto(const DeliverResult& in, pb::DeliverResponse* out);
void ToProto(const AppendResult& in, pb::AppendResponse* out);
void ToProto(const SelectChunk& in, pb::SelectResponse* out);
// Parses the stored envelope and structure into the reply.
void ToProto(const std::vector<MessageMetadata>& in, pb::FetchMetadataResponse* out);
void ToProto(const ContentChunk& in, pb::FetchContentResponse* out);
void ToProto(const MessageContent& in, pb::FetchMessagesResponse* out);
void ToProto(const StoreFlagsResult& in, pb::StoreFlagsResponse* out);
void ToProto(const CopyResult& in, pb::CopyResponse* out);
void ToProto(const ExpungeResult& in, pb::ExpungeResponse* out);
void ToProto(const Changes& in, pb::ChangesSinceResponse* out);
void ToProto(const SearchResult& in, pb::SearchResponse* out);
void ToProto(const LeaseResult& in, pb::LeaseResponse* out);
void ToProto(const OutboundJob& in, pb::OutboundJob* out);
// The same, taking over the job's content (no copy).
void ToProto(OutboundJob&& in, pb::OutboundJob* out);
void ToProto(const Quota& in, pb::Quota* out);

}  // namespace tern::storage
