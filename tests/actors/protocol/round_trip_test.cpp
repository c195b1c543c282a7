#define CAF_SUITE actors.round_trip
// Every registered message type, every field: each type of
// `protocol_types` is filled field by field with values that differ from
// its defaults, sent through CAF's binary serialization as a remote node
// receives it, and compared field by field. The filler counts the fields
// each inspect() overload visits against the fields the struct has, so a
// field left out of inspect() (never sent over the wire) fails here too.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/support/round_trip.hpp"

using namespace warden;

namespace {

/// Converts to anything: counts the members of an aggregate by how many of
/// these its brace initialization accepts (used in unevaluated contexts
/// only).
struct any_field {
  template <class T>
  operator T() const; // NOLINT: never defined
};

template <class T, class = void, class... Fields>
struct accepts : std::false_type {};

template <class T, class... Fields>
struct accepts<T, std::void_t<decltype(T{std::declval<Fields>()...})>,
               Fields...> : std::true_type {};

/// The number of members of aggregate `T`.
template <class T, class... Fields>
constexpr std::size_t member_count() {
  if constexpr (accepts<T, void, Fields..., any_field>::value)
    return member_count<T, Fields..., any_field>();
  else
    return sizeof...(Fields);
}

/// A CAF 0.17 inspector that writes a distinct value that is not the
/// default into every field it is given, recursing into nested types, and
/// notes each inspected type whose inspect() visits fewer fields than the
/// struct has.
class filler {
 public:
  using result_type = void;
  [[maybe_unused]] static constexpr bool reads_state = false;
  [[maybe_unused]] static constexpr bool writes_state = true;

  filler(caf::actor actor, std::vector<std::string>* mismatches)
      : actor_(std::move(actor)), mismatches_(mismatches) {}

  /// Fills `x`.
  template <class T>
  void fill(T& x) {
    // Each value differs from the one the field holds (its default).
    if constexpr (std::is_same_v<T, bool>) {
      x = !x;
    } else if constexpr (std::is_enum_v<T>) {
      x = static_cast<T>(static_cast<std::underlying_type_t<T>>(x) == 1 ? 0
                                                                        : 1);
    } else if constexpr (std::is_integral_v<T>) {
      auto value = static_cast<T>(next() % 100 + 2);
      x = value == x ? static_cast<T>(value + 1) : value;
    } else if constexpr (std::is_floating_point_v<T>) {
      x = static_cast<T>(next()) + 0.5;
    } else if constexpr (std::is_same_v<T, std::string>) {
      x = "text " + std::to_string(next());
    } else if constexpr (std::is_same_v<T, caf::error>) {
      x = make_error(error_code::conflict, "error " + std::to_string(next()));
    } else if constexpr (std::is_same_v<T, caf::actor>) {
      x = actor_;
    } else if constexpr (std::is_same_v<T, caf::actor_addr>) {
      x = actor_.address();
    } else if constexpr (caf::detail::is_list_like<T>::value) {
      x.clear();
      x.emplace_back();
      fill(x.back());
    } else {
      static_assert(caf::detail::is_inspectable<filler, T>::value,
                    "a field type the filler does not know: teach it");
      filler inner{actor_, mismatches_};
      inner.counter_ = counter_;
      inspect(inner, x);
      counter_ = inner.counter_;
      if constexpr (std::is_aggregate_v<T>) {
        auto members = member_count<T>();
        if (inner.visited_ != members)
          mismatches_->push_back(inner.name_ + ": inspect() visits " +
                                 std::to_string(inner.visited_) + " of " +
                                 std::to_string(members) + " fields");
      }
    }
  }

  /// Called by inspect(): the type's name, then its fields.
  template <class... Ts>
  void operator()(Ts&&... xs) {
    (visit(xs), ...);
  }

 private:
  template <class T>
  void visit(T& x) {
    if constexpr (std::is_same_v<std::decay_t<T>, caf::meta::type_name_t>) {
      name_ = x.value;
    } else if constexpr (caf::meta::is_annotation<T>::value) {
      // hex_formatted, omittable, ...: not a field
    } else {
      ++visited_;
      fill(x);
    }
  }

  std::uint64_t next() { return ++counter_; }

  caf::actor actor_;
  std::vector<std::string>* mismatches_;
  std::uint64_t counter_ = 0;
  std::size_t visited_ = 0;
  std::string name_ = "?";
};

/// A struct whose inspect() leaves a field out (the negative control).
struct partly_sent {
  std::uint64_t sent = 0;
  std::uint64_t forgotten = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partly_sent& x) {
  return f(caf::meta::type_name("partly_sent"), x.sent);
}

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

struct fixture : test_coordinator_fixture<config> {
  /// What actor handles in messages are filled with.
  caf::actor dummy = sys.spawn([] { return caf::behavior{[](int) {}}; });

  ~fixture() { caf::anon_send_exit(dummy, caf::exit_reason::user_shutdown); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(round_trip_tests, fixture)

CAF_TEST(every registered type keeps every field through serialization) {
  std::vector<std::string> mismatches;
  std::size_t types = 0;
  std::apply(
      [&](const auto&... registered) {
        auto check = [&](const auto& entry) {
          using type = typename std::decay_t<decltype(entry)>::type;
          ++types;
          type x{};
          filler{dummy, &mismatches}.fill(x);
          auto filled = caf::deep_to_string(x);
          // Every field differs from its default, so the filled value reads
          // differently from a default one.
          auto has_fields = true;
          if constexpr (std::is_aggregate_v<type>)
            has_fields = member_count<type>() > 0;
          if (has_fields && filled == caf::deep_to_string(type{}))
            mismatches.push_back(std::string{entry.name} +
                                 ": filling changed nothing");
          auto copy = warden::test::round_trip(sys, x);
          if (caf::deep_to_string(copy) != filled)
            mismatches.push_back(std::string{entry.name} + ": sent " + filled +
                                 ", received " + caf::deep_to_string(copy));
        };
        (check(registered), ...);
      },
      protocol_types);
  CAF_MESSAGE(types << " registered types round-tripped");
  CAF_CHECK_EQUAL(types,
                  std::tuple_size_v<std::decay_t<decltype(protocol_types)>>);
  CAF_CHECK_EQUAL(mismatches, std::vector<std::string>{});
}

CAF_TEST(a field that inspect leaves out is reported) {
  // The check above is only as good as its count of fields.
  static_assert(member_count<run_ack>() == 3);
  static_assert(member_count<drain_node>() == 0);
  std::vector<std::string> mismatches;
  partly_sent x;
  filler{dummy, &mismatches}.fill(x);
  CAF_CHECK_EQUAL(x.sent, 3u); // the first value the filler hands out, + 2
  CAF_CHECK_EQUAL(x.forgotten, 0u);
  CAF_CHECK_EQUAL(mismatches, (std::vector<std::string>{
                                  "partly_sent: inspect() visits 1 of 2 "
                                  "fields"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
