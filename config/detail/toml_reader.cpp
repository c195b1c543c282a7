#include "config/detail/toml_reader.hpp"

#include <algorithm>
#include <sstream>
#include <type_traits>

#include <toml.hpp>

#include "config/detail/names.hpp"
#include "config/detail/schema.hpp"
#include "config/detail/syntax_message.hpp"
#include "config/text.hpp"

namespace warden::config::detail {

namespace {

using position = source_map::position;

std::string type_name(const toml::value& x) {
  switch (x.type()) {
  case toml::value_t::boolean:
    return "a boolean";
  case toml::value_t::integer:
    return "an integer";
  case toml::value_t::floating:
    return "a float";
  case toml::value_t::string:
    return "a string";
  case toml::value_t::offset_datetime:
  case toml::value_t::local_datetime:
    return "a date-time";
  case toml::value_t::local_date:
    return "a date";
  case toml::value_t::local_time:
    return "a time";
  case toml::value_t::array:
    return "an array";
  case toml::value_t::table:
    return "a table";
  default:
    return "nothing";
  }
}

position position_of(const toml::value& x) {
  auto where = x.location();
  return {where.line(), where.column()};
}

// The position of `key` on the line of its value: the last occurrence before
// the value, else (a [table.header]) the first one on the line.
position key_position(const toml::value& x, std::string_view key) {
  auto where = x.location();
  const auto& line = where.line_str();
  auto value_column = static_cast<std::size_t>(where.column());
  auto found = std::string::npos;
  if (value_column > key.size())
    found = line.rfind(key, value_column - 1 - key.size());
  if (found == std::string::npos)
    found = line.find(key);
  if (found == std::string::npos)
    return position_of(x);
  return {where.line(), found + 1};
}

// Reads the keys of one table into a struct, driven by describe().
class table_reader {
 public:
  table_reader(const toml::value& table, std::string prefix, source_map& where,
               config_errors& errors)
      : table_(table),
        prefix_(std::move(prefix)),
        where_(where),
        errors_(errors) {}

  template <class T>
  std::enable_if_t<std::is_integral_v<T>> field(const char* key, T& x,
                                                int_range allowed) {
    if (auto value = read_integer(key, allowed))
      x = static_cast<T>(*value);
  }

  template <class T>
  void field(const char* key, std::optional<T>& x, int_range allowed) {
    if (auto value = read_integer(key, allowed))
      x = static_cast<T>(*value);
  }

  void field(const char* key, bool& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_boolean())
      return fail(key, *value,
                  "must be true or false, got " + type_name(*value));
    x = value->as_boolean();
  }

  void field(const char* key, std::optional<double>& x, real_range allowed) {
    double number = 0;
    if (read_real(key, allowed, number))
      x = number;
  }

  void field(const char* key, double& x, real_range allowed) {
    read_real(key, allowed, x);
  }

  // Reads a number into `x`; true when the key was present and valid.
  bool read_real(const char* key, real_range allowed, double& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return false;
    double number = 0;
    if (value->is_floating())
      number = value->as_floating();
    else if (value->is_integer())
      number = static_cast<double>(value->as_integer());
    else {
      fail(key, *value, "must be a number, got " + type_name(*value));
      return false;
    }
    if (auto problem = check(number, allowed); !problem.empty()) {
      fail(key, *value, problem);
      return false;
    }
    x = number;
    return true;
  }

  void field(const char* key, std::string& x, text_rule rule) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (auto text = read_string(join(prefix_, key), *value, rule))
      x = std::move(*text);
  }

  template <class E>
  std::enable_if_t<std::is_enum_v<E>> field(const char* key, E& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (auto index = read_enum(join(prefix_, key), *value, all_names<E>()))
      x = static_cast<E>(*index);
  }

  template <class E>
  void field(const char* key, std::vector<E>& x) {
    read_array(key, x, [&](const std::string& path, const toml::value& item) {
      auto index = read_enum(path, item, all_names<E>());
      return index ? std::optional<E>{static_cast<E>(*index)} : std::nullopt;
    });
  }

  void field(const char* key, std::vector<std::string>& x, text_rule rule) {
    read_array(key, x, [&](const std::string& path, const toml::value& item) {
      return read_string(path, item, rule);
    });
  }

  // A table of strings (environment variables, headers): names checked by
  // `names`, values by `rule`; keeps the default unless every entry is
  // valid.
  void field(const char* key, std::map<std::string, std::string>& x,
             text_rule names, text_rule rule) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_table())
      return fail(key, *value,
                  "must be a table of strings, got " + type_name(*value));
    auto base = join(prefix_, key);
    std::map<std::string, std::string> result;
    bool valid = true;
    for (const auto& [name, item] : value->as_table()) {
      auto path = join(base, path_component(name));
      where_.add(path, position_of(item));
      if (auto problem = check_table_key(name, names); !problem.empty()) {
        report(path, key_position(item, name), "name " + problem);
        valid = false;
      } else if (auto text = read_string(path, item, rule)) {
        result[name] = std::move(*text);
      } else {
        valid = false;
      }
    }
    if (valid)
      x = std::move(result);
    else
      where_.mark_invalid(base);
  }

  void field(const char* key, endpoint& x, port_rule rule) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (auto address = read_endpoint(join(prefix_, key), *value, rule))
      x = std::move(*address);
  }

  // A key the schema no longer takes: refused with what replaced it, rather
  // than as an unknown key.
  void retired(const char* key, const char* message) {
    auto* value = lookup(key);
    if (value != nullptr)
      report(join(prefix_, key), key_position(*value, key), message);
  }

  template <class T>
  void table(const char* key, T& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_table())
      return fail(key, *value, "must be a table, got " + type_name(*value));
    table_reader nested{*value, join(prefix_, key), where_, errors_};
    describe(nested, x);
    nested.finish();
  }

  template <class T>
  void named_tables(const char* key, std::map<std::string, T>& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_table())
      return fail(key, *value, "must be a table, got " + type_name(*value));
    auto base = join(prefix_, key);
    for (const auto& [name, entry] : value->as_table()) {
      auto path = join(base, path_component(name));
      where_.add(path, position_of(entry));
      if (auto problem = check(name, text_rule::name); !problem.empty())
        report(path, key_position(entry, name), "name " + problem);
      if (!entry.is_table()) {
        report(path, position_of(entry),
               "must be a table, got " + type_name(entry));
        continue;
      }
      table_reader nested{entry, path, where_, errors_};
      describe(nested, x[name]);
      nested.finish();
    }
  }

  template <class T>
  void table_array(const char* key, std::vector<T>& x) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_array())
      return fail(key, *value,
                  "must be an array of tables, got " + type_name(*value));
    auto base = join(prefix_, key);
    x.clear();
    for (const auto& entry : value->as_array()) {
      auto path = base + '[' + std::to_string(x.size()) + ']';
      where_.add(path, position_of(entry));
      auto& item = x.emplace_back();
      if (!entry.is_table()) {
        report(path, position_of(entry),
               "must be a table, got " + type_name(entry));
        continue;
      }
      table_reader nested{entry, path, where_, errors_};
      describe(nested, item);
      nested.finish();
    }
  }

  // Reports every key of the table that describe() did not ask for.
  void finish() {
    for (const auto& [key, value] : table_.as_table()) {
      if (std::find(known_.begin(), known_.end(), key) != known_.end())
        continue;
      auto path = join(prefix_, path_component(key));
      std::string message = "unknown key";
      if (auto guess = closest(key, known_); !guess.empty())
        message += "; did you mean `" + guess + "`?";
      else
        message += "; expected one of " + name_list(known_);
      report(path, key_position(value, key), std::move(message));
    }
  }

 private:
  // Returns the value of `key` when present; remembers `key` as valid here.
  const toml::value* lookup(const char* key) {
    known_.emplace_back(key);
    const auto& entries = table_.as_table();
    auto i = entries.find(key);
    if (i == entries.end())
      return nullptr;
    where_.add(join(prefix_, key), position_of(i->second));
    return &i->second;
  }

  void report(const std::string& path, position at, std::string message) {
    errors_.push_back(config_error{where_.file(), at.line, at.column, path,
                                   std::move(message)});
    where_.mark_invalid(path);
  }

  void fail(const char* key, const toml::value& value, std::string message) {
    report(join(prefix_, key), position_of(value), std::move(message));
  }

  std::optional<std::int64_t> read_integer(const char* key, int_range allowed) {
    auto* value = lookup(key);
    if (value == nullptr)
      return std::nullopt;
    if (!value->is_integer()) {
      fail(key, *value, "must be an integer, got " + type_name(*value));
      return std::nullopt;
    }
    auto number = value->as_integer();
    if (auto problem = check(number, allowed); !problem.empty()) {
      fail(key, *value, problem);
      return std::nullopt;
    }
    return number;
  }

  std::optional<std::string> read_string(const std::string& path,
                                         const toml::value& value,
                                         text_rule rule) {
    if (!value.is_string()) {
      report(path, position_of(value),
             "must be a string, got " + type_name(value));
      return std::nullopt;
    }
    const std::string& text = value.as_string();
    if (auto problem = check(text, rule); !problem.empty()) {
      report(path, position_of(value), problem);
      return std::nullopt;
    }
    return text;
  }

  std::optional<std::size_t> read_enum(const std::string& path,
                                       const toml::value& value,
                                       const std::vector<std::string>& names) {
    if (!value.is_string()) {
      report(path, position_of(value),
             must_be_one_of(names) + "; got " + type_name(value));
      return std::nullopt;
    }
    const std::string& text = value.as_string();
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == text)
        return i;
    report(path, position_of(value), not_one_of(text, names));
    return std::nullopt;
  }

  std::optional<endpoint> read_endpoint(const std::string& path,
                                        const toml::value& value,
                                        port_rule rule) {
    if (!value.is_string()) {
      report(path, position_of(value),
             "must be a \"host:port\" string, got " + type_name(value));
      return std::nullopt;
    }
    if (rule == port_rule::any_or_off && value.as_string().str.empty())
      return endpoint{"", 0};
    auto address = parse_endpoint(value.as_string().str);
    if (!address || !check(*address, rule).empty()) {
      report(path, position_of(value),
             bad_endpoint(value.as_string().str, rule));
      return std::nullopt;
    }
    return address;
  }

  // Reads an array whose items `read_item` converts (reporting bad ones);
  // keeps the default unless every item is valid.
  template <class T, class F>
  void read_array(const char* key, std::vector<T>& x, F read_item) {
    auto* value = lookup(key);
    if (value == nullptr)
      return;
    if (!value->is_array())
      return fail(key, *value, "must be an array, got " + type_name(*value));
    auto base = join(prefix_, key);
    std::vector<T> result;
    std::size_t index = 0;
    bool valid = true;
    for (const auto& item : value->as_array()) {
      auto path = base + '[' + std::to_string(index++) + ']';
      where_.add(path, position_of(item));
      if (auto converted = read_item(path, item))
        result.push_back(std::move(*converted));
      else
        valid = false;
    }
    if (valid)
      x = std::move(result);
    else
      where_.mark_invalid(base);
  }

  const toml::value& table_;
  std::string prefix_;
  source_map& where_;
  config_errors& errors_;
  std::vector<std::string> known_;
};

} // namespace

bool read_toml(std::string_view text, const std::string& file_name,
               settings& out, source_map& where, config_errors& errors) {
  if (auto problem = utf8_problem_of(text)) {
    errors.push_back(config_error{file_name, problem->where.line,
                                  problem->where.column, "",
                                  std::move(problem->message)});
    return false;
  }
  toml::value root;
  try {
    std::istringstream input{std::string{text}};
    root = toml::parse(input, file_name);
  } catch (const toml::syntax_error& problem) {
    auto error = from_syntax_message(problem.what(), problem.location().line(),
                                     problem.location().column(), file_name);
    // toml11 appends a newline to a text that lacks one and reports an
    // error at the end of the input on the line after it: name the end of
    // the file instead.
    auto end = position_in(text, text.size());
    if (error.line > end.line) {
      error.line = end.line;
      error.column = end.column;
    }
    errors.push_back(std::move(error));
    return false;
  } catch (const std::exception& problem) {
    errors.push_back(config_error{
        file_name, 0, 0, "", std::string{"malformed TOML: "} + problem.what()});
    return false;
  }
  table_reader reader{root, "", where, errors};
  describe(reader, out);
  reader.finish();
  return true;
}

} // namespace warden::config::detail
