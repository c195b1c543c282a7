#include "net/detail/server_stream.hpp"

namespace warden::net::detail {

server_stream::server_stream(boost::asio::ip::tcp::socket socket,
                             std::shared_ptr<boost::asio::ssl::context> tls)
    : context_(std::move(tls)) {
  if (context_)
    tls_.emplace(std::move(socket), *context_);
  else
    plain_.emplace(std::move(socket));
}

} // namespace warden::net::detail
