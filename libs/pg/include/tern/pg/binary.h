// Statements for the data path, run straight through libpq on a pooled connection: parameters
// handed to libpq as they are (nothing copied in our process; a message body goes from the
// request to libpq's send buffer) and results in binary format (a bytea column arrives as its
// bytes, not as hex text to decode). libpqxx 6.4 offers neither: exec_params copies
// binarystring parameters and always asks for text results.
//
// Use these only inside Pool::Run, on its transaction (its connection is a pg::Connection; any
// other transaction is undefined behaviour, as libpqxx gives no way to check): they throw what libpqxx throws
// (pqxx::sql_error with the SQLSTATE, pqxx::broken_connection), so Pool::Run maps their errors
// exactly as it maps libpqxx's.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pqxx/pqxx"

namespace tern::pg {

// A libpqxx connection that also gives its libpq handle; the pool's connections are these.
class Connection : public pqxx::connection_base {
 public:
  explicit Connection(const std::string& options);
  ~Connection() noexcept;
  // Null while not connected.
  pqxx::internal::pq::PGconn* handle() const { return policy_.handle; }

 private:
  // Connects at once like pqxx::connection, and remembers the handle it made.
  struct Policy : pqxx::connect_direct {
    explicit Policy(const std::string& opts) : pqxx::connect_direct(opts) {}
    pqxx::connectionpolicy::handle do_startconnect(pqxx::connectionpolicy::handle h) override;
    pqxx::connectionpolicy::handle do_completeconnect(pqxx::connectionpolicy::handle h) override;
    pqxx::connectionpolicy::handle do_dropconnect(pqxx::connectionpolicy::handle h) noexcept override;
    pqxx::connectionpolicy::handle do_disconnect(pqxx::connectionpolicy::handle h) noexcept override;
    pqxx::internal::pq::PGconn* handle = nullptr;
  };
  const std::string options_;  // before policy_, which is built from it
  Policy policy_;
};

// The parameters of one statement, $1 first. Bytes() views are not copied: the bytes they
// point to must outlive the call. Text() and Int() values (small) are kept by Params.
class Params {
 public:
  Params() = default;
  Params(const Params&) = delete;  // the values point into it
  Params& operator=(const Params&) = delete;

  // Binary format: the bytes as they are, for a bytea parameter (or a text one).
  Params& Bytes(std::string_view value);
  // Text format, for any type (a number, an array literal, a date).
  Params& Text(std::string value);
  // An integer, sent as text (so it fits int2, int4 or int8 parameters alike).
  Params& Int(int64_t value);
  Params& Null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::string> owned_;  // Text() and Int() values; a deque keeps their addresses
};

// A result in binary format. Column types must be read as what they are: Bytes() for bytea
// and text, Int() for int2/int4/int8, Bool() for boolean.
class Result {
 public:
  explicit Result(pqxx::internal::pq::PGresult* result);
  int rows() const;
  bool IsNull(int row, int column) const;
  // Points into the result: valid while it lives.
  std::string_view Bytes(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool Bool(int row, int column) const;

 private:
  std::shared_ptr<pqxx::internal::pq::PGresult> result_;
};

// Runs `sql` (unnamed: parsed for this call) with `params`; every result row in memory.
Result Exec(pqxx::transaction_base& tx, const std::string& sql, const Params& params);
// Runs the statement registered with Pool::Prepare as `name`.
Result ExecPrepared(pqxx::transaction_base& tx, const std::string& name, const Params& params);

// Like Exec/ExecPrepared, but hands the rows to `row` one at a time as they arrive (libpq's
// single-row mode: one row in memory at a time, each a Result of one row, index 0). `row`
// returns false to stop; the rest of the result is then read and dropped.
void Stream(pqxx::transaction_base& tx, const std::string& sql, const Params& params,
            const std::function<bool(const Result&)>& row);
void StreamPrepared(pqxx::transaction_base& tx, const std::string& name, const Params& params,
                    const std::function<bool(const Result&)>& row);

// A one-dimensional PostgreSQL array in the binary wire format (what array_recv reads), to be
// sent as one Bytes() parameter: a batch of values goes to the server as they are, unquoted.
// The elements are copied into the array; pass big values as parameters of their own.
class BinaryArray {
 public:
  // Element type OIDs.
  static constexpr uint32_t kBytea = 17, kInt8 = 20, kInt4 = 23, kText = 25;

  explicit BinaryArray(uint32_t element_type);
  void Add(std::string_view value);
  void AddInt8(int64_t value);
  void AddInt4(int32_t value);
  void AddNull();
  // The parameter (valid while the array lives and is not added to).
  std::string_view Finish();

 private:
  static constexpr size_t kHeader = 20;
  void Put32(uint32_t v);
  void Set32(size_t at, uint32_t v);

  const uint32_t element_type_;
  uint32_t count_ = 0;
  bool has_null_ = false;
  std::string data_;
};

}  // namespace tern::pg
