// Fuzz target: what an MCP server writes on its stdout, as the server actor
// reads it. The bytes are cut into lines by mcp::line_reader (bounded at
// 4 KiB here), each line is classified by mcp::parse_message, and the
// result of every response is read as each of Warden's requests would read
// it (initialize, a tools/list page, a tools/call result). Nothing may
// throw or crash; a reader that refuses must say why.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "actors/dependencies/mcp/jsonrpc.hpp"
#include "actors/dependencies/mcp/names.hpp"
#include "actors/dependencies/mcp/protocol.hpp"

#include "fuzz/support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace warden::mcp;
  using warden::fuzz::require;
  auto payload = warden::fuzz::as_text(data, size);
  line_reader reader{4096};
  reader.feed(payload, [](std::string_view line) {
    auto msg = parse_message(line);
    if (auto* bad = std::get_if<malformed>(&msg)) {
      require(!bad->why.empty(), "a malformed line without a reason");
      return;
    }
    auto* r = std::get_if<response>(&msg);
    if (r == nullptr || !r->result)
      return;
    if (auto info = read_initialize(*r->result); !info)
      require(!info.problem.empty(), "initialize refused without a reason");
    if (auto page = read_tools_page(*r->result); !page) {
      require(!page.problem.empty(), "a page refused without a reason");
    } else {
      for (const auto& tool : page.value->tools) {
        auto name = function_name("srv", tool.name);
        require(!name.empty() && name.size() <= max_function_name,
                "a function name out of bounds");
      }
    }
    if (auto result = read_call_result(*r->result); !result)
      require(!result.problem.empty(), "a result refused without a reason");
  });
  require(!reader.broken() || reader.pending() == 0,
          "a broken stream keeps a partial line");
  return 0;
}
