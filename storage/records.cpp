#include "storage/records.hpp"

#include <limits>

#include "storage/detail/codec.hpp"

namespace warden::storage {

namespace {

using detail::put_bytes;
using detail::put_varint;
using detail::read_status;

/// Reads fields in declaration order and keeps the first problem.
class field_reader {
 public:
  explicit field_reader(detail::reader& r) : r_(r) {}

  template <class Int>
  void integer(const char* field, Int& x) {
    if (problem_)
      return;
    std::uint64_t value = 0;
    if (!check(field, r_.varint(value)))
      return;
    if (value > std::numeric_limits<Int>::max()) {
      problem_ = "field `" + std::string{field} + "` out of range (" +
                 std::to_string(value) + ")";
      return;
    }
    x = static_cast<Int>(value);
  }

  void boolean(const char* field, bool& x) {
    std::uint8_t value = 0;
    integer(field, value);
    if (!problem_ && value > 1)
      problem_ = "field `" + std::string{field} + "` is not 0 or 1 (" +
                 std::to_string(value) + ")";
    x = value == 1;
  }

  void text(const char* field, std::string& x) {
    if (problem_)
      return;
    std::string_view value;
    if (check(field, r_.bytes(value)))
      x.assign(value.data(), value.size());
  }

  std::optional<std::string>& problem() { return problem_; }

 private:
  bool check(const char* field, read_status st) {
    switch (st) {
    case read_status::ok:
      return true;
    case read_status::truncated:
      problem_ = "truncated record (field `" + std::string{field} + "`)";
      return false;
    case read_status::malformed:
      problem_ = "malformed varint (field `" + std::string{field} + "`)";
      return false;
    }
    return false;
  }

  detail::reader& r_;
  std::optional<std::string> problem_;
};

storage_error decode_error(std::string message) {
  return storage_error{"decode run record", std::move(message)};
}

} // namespace

std::string encode(const stored_run& x) {
  std::string out;
  out.reserve(64 + x.tenant.size() + x.agent.size() + x.input.size() +
              x.idempotency_key.size() + x.output.size() + x.reason.size() +
              x.model.size());
  out.push_back(static_cast<char>(run_record_format));
  put_varint(out, x.run);
  put_varint(out, x.session);
  put_varint(out, x.parent);
  put_varint(out, x.depth);
  put_bytes(out, x.tenant);
  put_bytes(out, x.agent);
  put_bytes(out, x.input);
  put_bytes(out, x.idempotency_key);
  put_varint(out, x.priority);
  put_varint(out, x.state);
  put_varint(out, x.final ? 1 : 0);
  put_bytes(out, x.output);
  put_bytes(out, x.reason);
  put_varint(out, x.usage.prompt_tokens);
  put_varint(out, x.usage.completion_tokens);
  put_varint(out, x.usage.cost_micros);
  put_varint(out, x.usage.model_calls);
  put_varint(out, x.usage.tool_calls);
  put_varint(out, x.usage.retries);
  put_varint(out, x.usage.iterations);
  put_varint(out, x.finished_at_ms);
  put_varint(out, x.counts_own_tokens ? 1 : 0);
  put_varint(out, x.reserved_tokens);
  put_bytes(out, x.model);
  return out;
}

std::optional<storage_error> decode(std::string_view bytes, stored_run& out) {
  detail::reader r{bytes};
  std::uint8_t format = 0;
  if (auto problem = detail::read_format(r, run_record_format, format))
    return decode_error(std::move(*problem));
  stored_run x;
  field_reader f{r};
  f.integer("run", x.run);
  f.integer("session", x.session);
  f.integer("parent", x.parent);
  f.integer("depth", x.depth);
  f.text("tenant", x.tenant);
  f.text("agent", x.agent);
  f.text("input", x.input);
  f.text("idempotency_key", x.idempotency_key);
  f.integer("priority", x.priority);
  f.integer("state", x.state);
  f.boolean("final", x.final);
  f.text("output", x.output);
  f.text("reason", x.reason);
  f.integer("prompt_tokens", x.usage.prompt_tokens);
  f.integer("completion_tokens", x.usage.completion_tokens);
  f.integer("cost_micros", x.usage.cost_micros);
  f.integer("model_calls", x.usage.model_calls);
  f.integer("tool_calls", x.usage.tool_calls);
  f.integer("retries", x.usage.retries);
  f.integer("iterations", x.usage.iterations);
  f.integer("finished_at_ms", x.finished_at_ms);
  if (format >= 2)
    f.boolean("counts_own_tokens", x.counts_own_tokens);
  if (format >= 3)
    f.integer("reserved_tokens", x.reserved_tokens);
  if (format >= 4)
    f.text("model", x.model);
  if (f.problem())
    return decode_error(std::move(*f.problem()));
  if (!r.rest().empty())
    return decode_error("trailing bytes after record (" +
                        std::to_string(r.rest().size()) + ")");
  out = std::move(x);
  return std::nullopt;
}

} // namespace warden::storage
