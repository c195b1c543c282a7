// Fuzz target: what an OpenAI-compatible endpoint answers, as the provider
// reads it: a streamed body (Server-Sent Events into the completion
// stream), a whole body (parse_completion), and a refusal (classify_status
// with its headers, classify_stream_error). Input: a status byte, a split
// byte, then the body. Properties: nothing throws or crashes; the events of
// the stream are the same whether the body arrives whole or cut at the
// split; no reason ever holds the API key, even when the body does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/dependencies/openai/completion.hpp"
#include "actors/dependencies/openai/errors.hpp"
#include "net/sse.hpp"

#include "fuzz/support.hpp"

namespace {

using namespace warden;

constexpr std::string_view key = "sk-fuzz-0123456789abcdef";

std::vector<net::sse_event> events_of(std::string_view body,
                                      std::size_t split) {
  net::sse_parser parser{1 << 16};
  std::vector<net::sse_event> out;
  if (parser.feed(body.substr(0, split), out))
    (void)parser.feed(body.substr(split), out);
  return out;
}

bool same(const std::vector<net::sse_event>& a,
          const std::vector<net::sse_event>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id)
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2)
    return 0;
  auto status = 200u + data[0] * 2u; // 200 .. 710
  auto body = fuzz::as_text(data + 2, size - 2);
  auto split = body.empty() ? 0 : data[1] % (body.size() + 1);

  auto whole = events_of(body, body.size());
  fuzz::require(same(whole, events_of(body, split)),
                "a stream cut anywhere reads as the same events");
  openai::completion_stream stream;
  for (const auto& event : whole) {
    if (stream.add(event.data)) {
      auto refusal = openai::classify_stream_error(event.data, key);
      fuzz::require(!refusal || refusal->reason.find(key) == std::string::npos,
                    "a stream's refusal never names the key");
      break;
    }
  }

  auto plain = openai::parse_completion(body);
  fuzz::require(plain.answer.has_value() != !plain.problem.empty(),
                "a body is an answer or has a problem, not both");

  auto header = [body](std::string_view name) -> std::string_view {
    // The body's first line stands for every header: Retry-After and the
    // rate-limit resets read whatever the endpoint sent.
    (void)name;
    return body.substr(0, body.find('\n'));
  };
  auto refused =
      openai::classify_status(status, body, header, 1'767'225'600'000, key);
  fuzz::require(refused.reason.find(key) == std::string::npos,
                "a refusal's reason never names the key");
  return 0;
}
