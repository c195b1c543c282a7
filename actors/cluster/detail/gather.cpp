#include "actors/cluster/detail/gather.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"

namespace warden::detail {

namespace {

/// The pages gathered so far for one list_sessions.
struct session_pages {
  list_sessions request;
  caf::response_promise promise;
  std::vector<session_info> sessions;
  /// Some member has more beyond its page.
  bool more = false;
  std::size_t waiting = 0;
  bool failed = false;
};

void finish_pages(session_pages& pages) {
  auto& all = pages.sessions;
  std::sort(all.begin(), all.end(),
            [](const session_info& x, const session_info& y) {
              return x.session < y.session;
            });
  session_list result;
  auto limit = pages.request.limit;
  if (limit != 0 && all.size() > limit) {
    all.resize(limit);
    pages.more = true;
  }
  if (pages.more && !all.empty())
    result.next_after = all.back().session;
  result.sessions = std::move(all);
  pages.promise.deliver(std::move(result));
}

} // namespace

caf::behavior session_gatherer(caf::event_based_actor* self,
                               std::vector<gather_target> targets,
                               std::chrono::milliseconds timeout,
                               std::chrono::milliseconds retry_after) {
  return {
      [self, targets = std::move(targets), timeout,
       retry_after](list_sessions& req) {
        auto pages = std::make_shared<session_pages>();
        pages->request = req;
        pages->promise = self->make_response_promise();
        for (const auto& t : targets)
          if (!t.node) {
            pages->promise.deliver(
                make_error(error_code::unavailable,
                           "member " + t.name +
                               " is down: the list would miss its sessions",
                           retry_after));
            self->quit();
            return;
          }
        pages->waiting = targets.size();
        for (const auto& t : targets) {
          self->request(t.node, timeout, req)
              .then(
                  [self, pages](session_list& page) {
                    if (pages->failed)
                      return;
                    pages->more = pages->more || page.next_after != 0;
                    for (auto& s : page.sessions)
                      pages->sessions.push_back(std::move(s));
                    if (--pages->waiting == 0) {
                      finish_pages(*pages);
                      self->quit();
                    }
                  },
                  [self, pages, name = t.name, retry_after](caf::error& err) {
                    if (pages->failed)
                      return;
                    pages->failed = true;
                    if (err.category() == error_category)
                      pages->promise.deliver(std::move(err));
                    else
                      pages->promise.deliver(make_error(
                          error_code::unavailable,
                          "member " + name + " did not list its sessions (" +
                              self->system().render(err) + ")",
                          retry_after));
                    self->quit();
                  });
        }
      },
  };
}

caf::behavior cluster_gatherer(caf::event_based_actor* self,
                               cluster_report report,
                               std::vector<gather_target> targets,
                               std::chrono::milliseconds timeout) {
  return {
      [self, report = std::move(report), targets = std::move(targets),
       timeout](get_cluster) mutable {
        struct progress {
          cluster_report report;
          caf::response_promise promise;
          std::size_t waiting = 0;
        };
        auto p = std::make_shared<progress>();
        p->report = std::move(report);
        p->promise = self->make_response_promise();
        for (std::size_t i = 0; i < targets.size(); ++i)
          if (targets[i].node)
            ++p->waiting;
        if (p->waiting == 0) {
          p->promise.deliver(std::move(p->report));
          self->quit();
          return;
        }
        auto one_done = [self, p] {
          if (--p->waiting == 0) {
            p->promise.deliver(std::move(p->report));
            self->quit();
          }
        };
        for (std::size_t i = 0; i < targets.size(); ++i) {
          if (!targets[i].node)
            continue;
          self->request(targets[i].node, timeout, get_node_counts{})
              .then(
                  [p, i, one_done](const node_counts& counts) {
                    auto& m = p->report.members[i];
                    m.counted = true;
                    m.resident_sessions = counts.resident_sessions;
                    m.open_runs = counts.open_runs;
                    m.lease_homes = counts.lease_homes;
                    m.leased_out = counts.leased_out;
                    m.leases_held = counts.leases_held;
                    one_done();
                  },
                  [one_done](caf::error&) { one_done(); });
        }
      },
  };
}

} // namespace warden::detail
