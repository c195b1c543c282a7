#include "config/detail/names.hpp"

#include <algorithm>

#include "config/detail/checks.hpp"

namespace warden::config::detail {

// Optimal string alignment distance: Levenshtein plus the transposition of
// two neighbours ("nmae" is one edit from "name").
std::size_t edit_distance(std::string_view x, std::string_view y) {
  std::vector<std::vector<std::size_t>> d(
      x.size() + 1, std::vector<std::size_t>(y.size() + 1));
  for (std::size_t i = 0; i <= x.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= y.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= x.size(); ++i)
    for (std::size_t j = 1; j <= y.size(); ++j) {
      auto cost = x[i - 1] == y[j - 1] ? 0u : 1u;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[x.size()][y.size()];
}

std::string closest(std::string_view word,
                    const std::vector<std::string>& candidates) {
  auto limit =
      std::min<std::size_t>(3, std::max<std::size_t>(1, word.size() / 3));
  std::string best;
  auto best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    auto distance = edit_distance(word, candidate);
    // "timeout" for "timeout_ms": a unit suffix left out.
    bool unit_left_out = word.size() >= 3 && candidate.size() > word.size() &&
                         candidate.compare(0, word.size(), word) == 0 &&
                         candidate[word.size()] == '_';
    if (unit_left_out)
      distance = std::min(distance, limit);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string must_be_one_of(const std::vector<std::string>& allowed) {
  std::string result = "must be one of ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0)
      result += ", ";
    result += quoted(allowed[i]);
  }
  return result;
}

std::string not_one_of(std::string_view got,
                       const std::vector<std::string>& allowed) {
  auto result = must_be_one_of(allowed) + "; got " + quoted(got);
  if (auto guess = closest(got, allowed); !guess.empty())
    result += " (did you mean " + quoted(guess) + "?)";
  return result;
}

std::string name_list(const std::vector<std::string>& names) {
  if (names.empty())
    return "none";
  std::string result;
  for (const auto& name : names) {
    if (!result.empty())
      result += ", ";
    result += '`' + name + '`';
  }
  return result;
}

} // namespace warden::config::detail
