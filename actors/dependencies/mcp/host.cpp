#include "actors/dependencies/mcp/host.hpp"

#include <cstring>
#include <utility>

#include <caf/send.hpp>

namespace warden::mcp {

namespace {

class service_process_host final : public process_host {
 public:
  explicit service_process_host(
      std::shared_ptr<process::process_service> service)
      : service_(std::move(service)) {}

  std::uint64_t start(process::process_request request,
                      caf::actor owner) override {
    process::child_listener listener;
    listener.on_output = [owner](std::uint64_t id, std::string_view bytes) {
      caf::anon_send(owner, child_output{id, std::string{bytes}});
    };
    listener.on_errors = [owner](std::uint64_t id, std::string_view bytes) {
      caf::anon_send(owner, child_errors{id, std::string{bytes}});
    };
    return service_->open(
        std::move(request), std::move(listener),
        [owner](process::process_result result) {
          caf::anon_send(owner, child_ended{result.id, end_phrase(result)});
        });
  }

  void write(std::uint64_t child, std::string bytes) override {
    service_->write(child, std::move(bytes));
  }

  void stop(std::uint64_t child, process::kill_reason reason) override {
    service_->cancel(child, reason);
  }

 private:
  std::shared_ptr<process::process_service> service_;
};

} // namespace

std::shared_ptr<process_host>
service_host(std::shared_ptr<process::process_service> service) {
  return std::make_shared<service_process_host>(std::move(service));
}

std::string end_phrase(const process::process_result& result) {
  switch (result.end) {
  case process::process_end::exited:
    return "exited with code " + std::to_string(result.exit_code);
  case process::process_end::signalled:
    return "was killed by signal " + std::to_string(result.signal) + " (" +
           ::strsignal(result.signal) + ")";
  case process::process_end::killed:
    return std::string{"was stopped ("} +
           process::to_string(
               result.reason.value_or(process::kill_reason::cancelled)) +
           ")";
  case process::process_end::not_started:
    break;
  }
  return "could not start: " + result.problem;
}

} // namespace warden::mcp
