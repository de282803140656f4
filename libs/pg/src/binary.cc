#include "tern/pg/binary.h"

#include <libpq-fe.h>

namespace tern::pg {
namespace {

// connection_base has no virtual functions, so this cannot be checked: `tx` must come from
// Pool::Run, whose connections are all pg::Connection (see binary.h).
PGconn* HandleOf(pqxx::transaction_base& tx) {
  auto& c = static_cast<Connection&>(tx.conn());
  if (c.handle() == nullptr) throw pqxx::broken_connection("pg: not connected");
  return c.handle();
}

// Throws what libpqxx would for a failed statement.
[[noreturn]] void Fail(PGconn* conn, const PGresult* res, const std::string& what) {
  const std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(msg);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  throw pqxx::sql_error(msg, what, state);
}

bool Succeeded(const PGresult* res) {
  const ExecStatusType s = PQresultStatus(res);
  return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK || s == PGRES_SINGLE_TUPLE;
}

// Makes sure libpqxx has registered `name` on this connection (it prepares lazily).
void EnsurePrepared(pqxx::transaction_base& tx, const std::string& name) {
  tx.conn().prepare_now(name);
}

Result Run(pqxx::transaction_base& tx, const std::string& statement, bool prepared,
           const Params& p) {
  PGconn* conn = HandleOf(tx);
  if (prepared) EnsurePrepared(tx, statement);
  PGresult* res =
      prepared ? PQexecPrepared(conn, statement.c_str(), p.size(), p.values(), p.lengths(),
                                p.formats(), 1)
               : PQexecParams(conn, statement.c_str(), p.size(), nullptr, p.values(),
                              p.lengths(), p.formats(), 1);
  if (res == nullptr || !Succeeded(res)) {
    Result owner(res);  // freed on the way out
    Fail(conn, res, statement);
  }
  return Result(res);
}

void RunStream(pqxx::transaction_base& tx, const std::string& statement, bool prepared,
               const Params& p, const std::function<bool(const Result&)>& row) {
  PGconn* conn = HandleOf(tx);
  if (prepared) EnsurePrepared(tx, statement);
  const int sent = prepared ? PQsendQueryPrepared(conn, statement.c_str(), p.size(), p.values(),
                                                  p.lengths(), p.formats(), 1)
                            : PQsendQueryParams(conn, statement.c_str(), p.size(), nullptr,
                                                p.values(), p.lengths(), p.formats(), 1);
  if (!sent) Fail(conn, nullptr, statement);
  PQsetSingleRowMode(conn);
  // Every result is read, so the connection is idle again when this returns (or throws).
  bool wanted = true;
  std::string error_state, error_message;
  bool failed_any = false;
  while (PGresult* res = PQgetResult(conn)) {
    Result r(res);
    if (!Succeeded(res)) {
      if (!failed_any) {
        failed_any = true;
        error_message = PQresultErrorMessage(res);
        const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        error_state = state ? state : "";
      }
      continue;
    }
    if (wanted && PQresultStatus(res) == PGRES_SINGLE_TUPLE) wanted = row(r);
  }
  if (failed_any) {
    if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(error_message);
    throw pqxx::sql_error(error_message, statement,
                          error_state.empty() ? nullptr : error_state.c_str());
  }
  if (PQstatus(conn) == CONNECTION_BAD) throw pqxx::broken_connection(PQerrorMessage(conn));
}

}  // namespace

Connection::Connection(const std::string& options)
    : pqxx::connection_base(policy_), options_(options), policy_(options_) {
  init();
}

Connection::~Connection() noexcept { close(); }

pqxx::connectionpolicy::handle Connection::Policy::do_startconnect(
    pqxx::connectionpolicy::handle h) {
  return handle = pqxx::connect_direct::do_startconnect(h);
}
pqxx::connectionpolicy::handle Connection::Policy::do_completeconnect(
    pqxx::connectionpolicy::handle h) {
  return handle = pqxx::connect_direct::do_completeconnect(h);
}
pqxx::connectionpolicy::handle Connection::Policy::do_dropconnect(
    pqxx::connectionpolicy::handle h) noexcept {
  return handle = pqxx::connect_direct::do_dropconnect(h);
}
pqxx::connectionpolicy::handle Connection::Policy::do_disconnect(
    pqxx::connectionpolicy::handle h) noexcept {
  return handle = pqxx::connect_direct::do_disconnect(h);
}

Params& Params::Bytes(std::string_view value) {
  // libpq wants a non-null pointer for a non-null value, even an empty one.
  values_.push_back(value.data() ? value.data() : "");
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Text(std::string value) {
  owned_.push_back(std::move(value));
  values_.push_back(owned_.back().c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::Int(int64_t value) { return Text(std::to_string(value)); }

Params& Params::Null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Result::Result(PGresult* result) : result_(result, [](PGresult* r) { PQclear(r); }) {}

int Result::rows() const { return PQntuples(result_.get()); }

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Result::Bytes(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t Result::Int(int row, int column) const {
  const std::string_view v = Bytes(row, column);
  if (v.size() != 2 && v.size() != 4 && v.size() != 8) {
    throw pqxx::conversion_error("pg: column is not an integer");
  }
  uint64_t u = 0;
  for (unsigned char c : v) u = (u << 8) | c;
  // Sign-extend from the field's width.
  const int shift = 64 - 8 * static_cast<int>(v.size());
  return static_cast<int64_t>(u << shift) >> shift;
}

bool Result::Bool(int row, int column) const {
  const std::string_view v = Bytes(row, column);
  return v.size() == 1 && v[0] != 0;
}

Result Exec(pqxx::transaction_base& tx, const std::string& sql, const Params& params) {
  return Run(tx, sql, false, params);
}

Result ExecPrepared(pqxx::transaction_base& tx, const std::string& name, const Params& params) {
  return Run(tx, name, true, params);
}

void Stream(pqxx::transaction_base& tx, const std::string& sql, const Params& params,
            const std::function<bool(const Result&)>& row) {
  RunStream(tx, sql, false, params, row);
}

void StreamPrepared(pqxx::transaction_base& tx, const std::string& name, const Params& params,
                    const std::function<bool(const Result&)>& row) {
  RunStream(tx, name, true, params, row);
}

BinaryArray::BinaryArray(uint32_t element_type) : element_type_(element_type) {
  data_.resize(kHeader);
}

void BinaryArray::Add(std::string_view value) {
  Put32(static_cast<uint32_t>(value.size()));
  data_.append(value);
  ++count_;
}

void BinaryArray::AddInt8(int64_t value) {
  Put32(8);
  Put32(static_cast<uint32_t>(static_cast<uint64_t>(value) >> 32));
  Put32(static_cast<uint32_t>(value));
  ++count_;
}

void BinaryArray::AddInt4(int32_t value) {
  Put32(4);
  Put32(static_cast<uint32_t>(value));
  ++count_;
}

void BinaryArray::AddNull() {
  Put32(0xffffffff);  // length -1
  has_null_ = true;
  ++count_;
}

std::string_view BinaryArray::Finish() {
  // Header: one dimension, the null flag, the element type, the count, lower bound 1.
  const uint32_t header[kHeader / 4] = {1, has_null_ ? 1u : 0u, element_type_, count_, 1};
  for (size_t i = 0; i < kHeader / 4; ++i) Set32(i * 4, header[i]);
  return data_;
}

void BinaryArray::Put32(uint32_t v) {
  data_.resize(data_.size() + 4);
  Set32(data_.size() - 4, v);
}

void BinaryArray::Set32(size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) data_[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

}  // namespace tern::pg
