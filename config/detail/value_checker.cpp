#include <limits>
#include <type_traits>

#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"
#include "config/detail/schema.hpp"

namespace warden::config::detail {

namespace {

// Walks settings through describe() and checks each value against its rule.
class value_checker {
 public:
  value_checker(std::string prefix, source_map& where, config_errors& errors)
      : prefix_(std::move(prefix)), where_(where), errors_(errors) {}

  template <class T>
  std::enable_if_t<std::is_integral_v<T>> field(const char* key, const T& x,
                                                int_range allowed) {
    // Values beyond int64 are out of every range; saturate to report them.
    constexpr auto top = std::numeric_limits<std::int64_t>::max();
    auto number =
        static_cast<std::uint64_t>(x) > static_cast<std::uint64_t>(top)
            ? top
            : static_cast<std::int64_t>(x);
    report(join(prefix_, key), check(number, allowed));
  }

  template <class T>
  void field(const char* key, const std::optional<T>& x, int_range allowed) {
    if (x)
      field(key, *x, allowed);
  }

  void field(const char* key, double x, real_range allowed) {
    report(join(prefix_, key), check(x, allowed));
  }

  void field(const char* key, const std::optional<double>& x,
             real_range allowed) {
    if (x)
      field(key, *x, allowed);
  }

  void field(const char*, bool) {
    // Either value is valid.
  }

  void field(const char* key, const std::string& x, text_rule rule) {
    report(join(prefix_, key), check(x, rule));
  }

  template <class E>
  std::enable_if_t<std::is_enum_v<E>> field(const char* key, E x) {
    check_enum(join(prefix_, key), x);
  }

  template <class E>
  void field(const char* key, const std::vector<E>& x) {
    auto base = join(prefix_, key);
    for (std::size_t i = 0; i < x.size(); ++i)
      check_enum(base + '[' + std::to_string(i) + ']', x[i]);
  }

  void field(const char* key, const std::vector<std::string>& x,
             text_rule rule) {
    auto base = join(prefix_, key);
    for (std::size_t i = 0; i < x.size(); ++i)
      report(base + '[' + std::to_string(i) + ']', check(x[i], rule));
  }

  void field(const char* key, const std::map<std::string, std::string>& x,
             text_rule names, text_rule rule) {
    auto base = join(prefix_, key);
    for (const auto& [name, text] : x) {
      auto path = join(base, path_component(name));
      if (auto problem = check_table_key(name, names); !problem.empty())
        report(path, "name " + problem);
      else
        report(path, check(text, rule));
    }
  }

  void field(const char* key, const endpoint& x, port_rule rule) {
    report(join(prefix_, key), check(x, rule));
  }

  void retired(const char*, const char*) {
    // Settings hold no member for it.
  }

  template <class T>
  void table(const char* key, T& x) {
    value_checker nested{join(prefix_, key), where_, errors_};
    describe(nested, x);
  }

  template <class T>
  void named_tables(const char* key, std::map<std::string, T>& x) {
    auto base = join(prefix_, key);
    for (auto& [name, entry] : x) {
      auto path = join(base, path_component(name));
      if (auto problem = check(name, text_rule::name); !problem.empty())
        report(path, "name " + problem);
      value_checker nested{path, where_, errors_};
      describe(nested, entry);
    }
  }

  template <class T>
  void table_array(const char* key, std::vector<T>& x) {
    auto base = join(prefix_, key);
    for (std::size_t i = 0; i < x.size(); ++i) {
      value_checker nested{base + '[' + std::to_string(i) + ']', where_,
                           errors_};
      describe(nested, x[i]);
    }
  }

 private:
  void report(const std::string& path, std::string problem) {
    if (problem.empty() || where_.invalid(path))
      return;
    errors_.push_back(where_.error(path, std::move(problem)));
    where_.mark_invalid(path);
  }

  template <class E>
  void check_enum(const std::string& path, E x) {
    if (static_cast<std::size_t>(x) >= enum_names<E>::values.size())
      report(path,
             not_one_of(std::to_string(static_cast<int>(x)), all_names<E>()));
  }

  std::string prefix_;
  source_map& where_;
  config_errors& errors_;
};

} // namespace

void check_values(const settings& value, source_map& where,
                  config_errors& errors) {
  value_checker checker{"", where, errors};
  // describe() takes mutable references so that the reader can fill them;
  // the checker only reads through them.
  describe(checker, const_cast<settings&>(value));
}

} // namespace warden::config::detail
