#include "net/sse.hpp"

#include <algorithm>
#include <charconv>

namespace warden::net {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

} // namespace

bool sse_parser::feed(std::string_view bytes, std::vector<sse_event>& out) {
  if (failed_)
    return false;
  if (at_start_) {
    // A BOM may arrive split too: hold its first bytes until it is whole
    // or cannot be one.
    auto take = std::min(bytes.size(), utf8_bom.size() - head_.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < utf8_bom.size() &&
        utf8_bom.substr(0, head_.size()) == head_)
      return true;
    at_start_ = false;
    auto head = std::move(head_);
    head_.clear();
    if (head != utf8_bom && !consume(head, out))
      return false;
  }
  return consume(bytes, out);
}

bool sse_parser::consume(std::string_view bytes, std::vector<sse_event>& out) {
  if (after_cr_ && !bytes.empty() && bytes.front() == '\n')
    bytes.remove_prefix(1);
  if (!bytes.empty())
    after_cr_ = false;
  while (!bytes.empty()) {
    auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      if (line_.size() + bytes.size() + data_.size() > max_event_bytes_) {
        failed_ = true;
        return false;
      }
      line_.append(bytes);
      return true;
    }
    if (line_.empty()) {
      line(bytes.substr(0, end), out);
    } else {
      line_.append(bytes.substr(0, end));
      auto text = std::move(line_);
      line_.clear();
      line(text, out);
    }
    if (failed_)
      return false;
    if (bytes[end] == '\r') {
      if (end + 1 == bytes.size()) {
        after_cr_ = true;
        return true;
      }
      if (bytes[end + 1] == '\n')
        ++end;
    }
    bytes.remove_prefix(end + 1);
  }
  return true;
}

void sse_parser::line(std::string_view text, std::vector<sse_event>& out) {
  if (text.empty()) {
    dispatch(out);
    return;
  }
  if (text.front() == ':')
    return; // a comment (servers send them to keep a connection alive)
  auto colon = text.find(':');
  auto field = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() + 1 > max_event_bytes_) {
      failed_ = true;
      return;
    }
    if (has_data_)
      data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    type_ = std::string{value};
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos)
      last_id_ = std::string{value};
  } else if (field == "retry") {
    std::uint64_t ms = 0;
    auto [end, err] =
        std::from_chars(value.data(), value.data() + value.size(), ms);
    if (err == std::errc{} && end == value.data() + value.size() &&
        !value.empty())
      retry_ms_ = ms;
  }
  // Any other field is ignored, as the standard says.
}

void sse_parser::dispatch(std::vector<sse_event>& out) {
  if (has_data_)
    out.push_back(
        {type_.empty() ? "message" : type_, std::move(data_), last_id_});
  data_.clear();
  has_data_ = false;
  type_.clear();
}

} // namespace warden::net
