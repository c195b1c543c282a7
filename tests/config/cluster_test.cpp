#define CAF_SUITE config.cluster
#include <string>

#include <caf/test/unit_test.hpp>

#include "config/settings.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;
namespace config = warden::config;

namespace {

/// The node's TLS files from the operator's PKI, one CA for every member.
const std::string shared_pki = "tls_cert = \"/etc/w/node.pem\"\n"
                               "tls_key = \"/etc/w/node.key\"\n"
                               "tls_ca_file = \"/etc/w/ca.pem\"\n";

/// The cluster's secret file, last in [cluster].
const std::string secret_line = "secret_file = \"/etc/w/cluster.secret\"\n";

/// Node `name` at `listen` (lines 1 to 6, the PKI on 4 to 6), then
/// [cluster] (line 7) whose nodes (line 8) are `members`, one a line from
/// line 9, then `extra`, then the secret file.
std::string cluster_file(const std::string& members,
                         const std::string& extra = "",
                         const std::string& name = "b",
                         const std::string& listen = "10.0.0.2:4242") {
  return "[node]\nname = \"" + name + "\"\nlisten = \"" + listen + "\"\n" +
         shared_pki + "[cluster]\nnodes = [\n" + members + "]\n" + extra +
         secret_line;
}

/// Members a, b (this node) and c.
const std::string three = "  { name = \"a\", address = \"10.0.0.1:4242\" },\n"
                          "  { name = \"b\", address = \"10.0.0.2:4242\" },\n"
                          "  { name = \"c\", address = \"node-c.example:4242\" "
                          "},\n";

/// `count` members m0, m1 ... at m0.example:4242 ...; this node is m1.
std::string many_members(std::size_t count) {
  std::string members;
  for (std::size_t i = 0; i < count; ++i)
    members += "{ name = \"m" + std::to_string(i) + "\", address = \"m" +
               std::to_string(i) + ".example:4242\" },\n";
  return members;
}

config::load_result load_ok(const std::string& text) {
  auto result = load(text);
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
  return result;
}

} // namespace

// Members -------------------------------------------------------------------

CAF_TEST(a valid three node cluster indexes its members by position) {
  auto result = load_ok(cluster_file(three));
  CAF_REQUIRE(result.ok());
  const auto& cluster = result.value.cluster;
  CAF_CHECK(cluster.enabled());
  CAF_REQUIRE_EQUAL(cluster.nodes.size(), 3u);
  CAF_CHECK_EQUAL(cluster.nodes[0].name, "a");
  CAF_CHECK(cluster.nodes[0].address == (config::endpoint{"10.0.0.1", 4242}));
  CAF_CHECK_EQUAL(cluster.nodes[2].address.host, "node-c.example");
  CAF_CHECK_EQUAL(cluster.index_of("a"), 0u);
  CAF_CHECK_EQUAL(cluster.index_of("b"), 1u);
  CAF_CHECK_EQUAL(cluster.index_of("c"), 2u);
  CAF_CHECK_EQUAL(cluster.index_of(result.value.node.name), 1u);
  CAF_CHECK_EQUAL(cluster.index_of("d"), 3u);
}

CAF_TEST(members may be written as an array of tables) {
  auto result = load_ok("[node]\nname = \"b\"\nlisten = \"[::1]:4243\"\n" +
                        shared_pki + "[cluster]\n" + secret_line +
                        "[[cluster.nodes]]\nname = \"a\"\n"
                        "address = \"[::1]:4242\"\n"
                        "[[cluster.nodes]]\nname = \"b\"\n"
                        "address = \"[::1]:4243\"\n");
  CAF_REQUIRE(result.ok());
  const auto& nodes = result.value.cluster.nodes;
  CAF_REQUIRE_EQUAL(nodes.size(), 2u);
  CAF_CHECK_EQUAL(nodes[1].address.to_string(), "[::1]:4243");
  CAF_CHECK_EQUAL(result.value.cluster.index_of("b"), 1u);
}

CAF_TEST(a cluster of one member is refused) {
  CAF_CHECK(only_error(
      load(cluster_file("{ name = \"b\", address = \"10.0.0.2:4242\" }\n")),
      "cluster.nodes", 8, "must list 2 to 32 members, this node among them"));
}

CAF_TEST(a cluster holds at most 32 members) {
  auto largest = many_members(32);
  CAF_CHECK(load_ok(cluster_file(largest, "", "m1", "m1.example:4242")).ok());
  CAF_CHECK(only_error(
      load(cluster_file(many_members(33), "", "m1", "m1.example:4242")),
      "cluster.nodes", 8, "5 bits"));
}

CAF_TEST(a member name follows the rule of node names) {
  CAF_CHECK(only_error(
      load(cluster_file(three + "{ name = \"d e\", address = \"d:1\" },\n")),
      "cluster.nodes[3].name", 12,
      "must be 1 to 64 characters of [A-Za-z0-9_-], got \"d e\""));
  auto long_name = std::string(65, 'x');
  CAF_CHECK(only_error(load(cluster_file(three + "{ name = \"" + long_name +
                                         "\", address = \"x:1\" },\n")),
                       "cluster.nodes[3].name", 12, "1 to 64 characters"));
}

CAF_TEST(a member without a name or an address is refused) {
  CAF_CHECK(only_error(load(cluster_file(three + "{ address = \"d:1\" },\n")),
                       "cluster.nodes[3].name", 0, "is required"));
  CAF_CHECK(only_error(load(cluster_file(three + "{ name = \"d\" },\n")),
                       "cluster.nodes[3].address", 0,
                       "is required: \"host:port\" with a port in [1, 65535]"));
}

CAF_TEST(a member that is not a table is refused) {
  CAF_CHECK(only_error(load(cluster_file(three + "\"10.0.0.4:4242\",\n")),
                       "cluster.nodes[3]", 12,
                       "must be a table, got a string"));
}

CAF_TEST(a duplicate member name is refused) {
  CAF_CHECK(only_error(
      load(cluster_file(three + "{ name = \"a\", address = \"10.0.0.4:4242\" "
                                "},\n")),
      "cluster.nodes[3].name", 12,
      "duplicate member name `a` (also cluster.nodes[0].name)"));
}

CAF_TEST(a duplicate member address is refused) {
  CAF_CHECK(only_error(
      load(cluster_file(three + "{ name = \"d\", address = \"10.0.0.1:4242\" "
                                "},\n")),
      "cluster.nodes[3].address", 12,
      "duplicate member address 10.0.0.1:4242 (also "
      "cluster.nodes[0].address)"));
}

CAF_TEST(a member address is host and port with a port not 0) {
  CAF_CHECK(only_error(
      load(cluster_file(three + "{ name = \"d\", address = \"d.example:0\" "
                                "},\n")),
      "cluster.nodes[3].address", 12,
      "must be \"host:port\" with a port in [1, 65535], got "
      "\"d.example:0\""));
  CAF_CHECK(
      only_error(load(cluster_file(
                     three + "{ name = \"d\", address = \"d.example\" },\n")),
                 "cluster.nodes[3].address", 12, "must be \"host:port\""));
  CAF_CHECK(only_error(
      load(cluster_file(three + "{ name = \"d\", address = 4242 },\n")),
      "cluster.nodes[3].address", 12, "must be a \"host:port\" string"));
}

CAF_TEST(an unknown key in a member is named) {
  CAF_CHECK(only_error(load(cluster_file(three + "{ name = \"d\", address = "
                                                 "\"d:1\", port = 2 },\n")),
                       "cluster.nodes[3].port", 12,
                       "unknown key; expected one of `name`, `address`"));
  auto typo =
      load(cluster_file(three + "{ name = \"d\", adress = \"d:1\" },\n"));
  CAF_CHECK(has_error(typo, "cluster.nodes[3].adress", 12,
                      "did you mean `address`?"));
}

CAF_TEST(an unknown key in the cluster table is named) {
  CAF_CHECK(only_error(load(cluster_file(three, "heartbeat_interval = 100\n")),
                       "cluster.heartbeat_interval", 13,
                       "did you mean `heartbeat_interval_ms`?"));
}

// This node -------------------------------------------------------------------

CAF_TEST(this node must be one of the members) {
  auto result = load(cluster_file(three, "", "d", "10.0.0.4:4242"));
  CAF_CHECK(only_error(result, "node.name", 2,
                       "`d` is not a defined member of [cluster] nodes"));
  CAF_CHECK(has_error(result, "node.name", 2, "defined: `a`, `b`, `c`"));
}

CAF_TEST(a node name left at its default is reported at the members) {
  auto result = load("[node]\nlisten = \"10.0.0.2:4242\"\n" + shared_pki +
                     "[cluster]\nnodes = [\n" + three + "]\n" + secret_line);
  CAF_CHECK(only_error(result, "node.name", 7, "`warden-1` is not a defined"));
}

CAF_TEST(the member that is this node has its listen address as written) {
  CAF_CHECK(only_error(load(cluster_file(three, "", "b", "10.0.0.2:4243")),
                       "cluster.nodes[1].address", 10,
                       "must be node.listen (10.0.0.2:4243), host and port as "
                       "written: member `b` is this node ([node] name), got "
                       "10.0.0.2:4242"));
  auto other_host = three;
  other_host.replace(other_host.find("10.0.0.2"), 8, "node-b.example");
  CAF_CHECK(only_error(load(cluster_file(other_host)),
                       "cluster.nodes[1].address", 10, "as written"));
}

CAF_TEST(a node listening on every interface needs only its port matched) {
  CAF_CHECK(load_ok(cluster_file(three, "", "b", "0.0.0.0:4242")).ok());
  CAF_CHECK(
      only_error(load(cluster_file(three, "", "b", "0.0.0.0:4243")),
                 "cluster.nodes[1].address", 10,
                 "must be node.listen (0.0.0.0:4243), its port at least"));
}

CAF_TEST(a cluster needs the node port) {
  CAF_CHECK(only_error(load(cluster_file(three, "", "b", "")), "node.listen", 3,
                       "must not be off (\"\") in a cluster"));
}

CAF_TEST(a cluster needs the TLS files of one CA) {
  auto text = cluster_file(three);
  text.erase(text.find(shared_pki), shared_pki.size());
  // Without the three lines, [cluster] is on line 4 and nodes on line 5.
  CAF_CHECK(only_error(load(text), "node.tls_ca_file", 5,
                       "the members must share one CA"));
  // Some of the files but not all: the TLS rule alone speaks.
  auto partial = load("[node]\nname = \"b\"\nlisten = \"10.0.0.2:4242\"\n"
                      "tls_cert = \"/etc/w/node.pem\"\n"
                      "[cluster]\nnodes = [\n" +
                      three + "]\n" + secret_line);
  CAF_CHECK_EQUAL(partial.errors.size(), 2u);
  CAF_CHECK(has_error(partial, "node.tls_key", 4, "go together"));
  CAF_CHECK(has_error(partial, "node.tls_ca_file", 4, "go together"));
}

CAF_TEST(a cluster needs the file of its shared secret) {
  auto text = cluster_file(three);
  text.erase(text.find(secret_line), secret_line.size());
  CAF_CHECK(only_error(load(text), "cluster.secret_file", 8,
                       "is required in a cluster: the members prove with its "
                       "secret that they belong"));
  auto result = load_ok(cluster_file(three));
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.value.cluster.secret_file, "/etc/w/cluster.secret");
  CAF_CHECK(!result.value.cluster.handoff_on_drain);
  auto handoff = load_ok(cluster_file(three, "handoff_on_drain = true\n"));
  CAF_REQUIRE(handoff.ok());
  CAF_CHECK(handoff.value.cluster.handoff_on_drain);
}

// Timing ----------------------------------------------------------------------

CAF_TEST(a cluster without timing keys takes the defaults) {
  auto result = load_ok(cluster_file(three));
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.value.cluster.heartbeat_interval_ms, 500u);
  CAF_CHECK_EQUAL(result.value.cluster.failure_timeout_ms, 3000u);
  config::cluster_settings defaults;
  CAF_CHECK(!defaults.enabled());
  CAF_CHECK_EQUAL(defaults.index_of("warden-1"), 0u);
}

CAF_TEST(timing keys are read and checked against their ranges) {
  auto result = load_ok(cluster_file(three, "heartbeat_interval_ms = 250\n"
                                            "failure_timeout_ms = 1_000\n"));
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.value.cluster.heartbeat_interval_ms, 250u);
  CAF_CHECK_EQUAL(result.value.cluster.failure_timeout_ms, 1000u);
  CAF_CHECK(only_error(load("[cluster]\nheartbeat_interval_ms = 9\n"),
                       "cluster.heartbeat_interval_ms", 2, "[10, 60000]"));
  CAF_CHECK(only_error(load("[cluster]\nfailure_timeout_ms = 600001\n"),
                       "cluster.failure_timeout_ms", 2, "[20, 600000]"));
}

CAF_TEST(a failure timeout under twice the heartbeat interval is refused) {
  CAF_CHECK(only_error(load(cluster_file(three, "heartbeat_interval_ms = 1000\n"
                                                "failure_timeout_ms = 1999\n")),
                       "cluster.failure_timeout_ms", 14,
                       "must be at least twice cluster.heartbeat_interval_ms "
                       "(2000), got 1999"));
  CAF_CHECK(load_ok(cluster_file(three, "heartbeat_interval_ms = 1000\n"
                                        "failure_timeout_ms = 2000\n"))
                .ok());
  // The default failure timeout, 3000, against a heartbeat of 2000: named at
  // the key the file sets.
  CAF_CHECK(
      only_error(load(cluster_file(three, "heartbeat_interval_ms = 2000\n")),
                 "cluster.failure_timeout_ms", 13, "(4000), got 3000"));
}

CAF_TEST(a single node checks no cluster rule beyond the ranges) {
  CAF_CHECK(load_ok("[node]\nlisten = \"\"\n[cluster]\nnodes = []\n"
                    "heartbeat_interval_ms = 2000\nfailure_timeout_ms = 3000\n")
                .ok());
}

// Migration and settings built in code ----------------------------------------

CAF_TEST(node peers is refused with what replaced it) {
  CAF_CHECK(only_error(load("[node]\npeers = [\"10.0.0.1:4242\"]\n"),
                       "node.peers", 2,
                       "was replaced by [cluster] nodes: every member, this "
                       "node among them, as { name, address }"));
  CAF_CHECK(only_error(load("[node]\nname = \"a\"\npeers = []\n"), "node.peers",
                       3, "was replaced by [cluster] nodes"));
}

CAF_TEST(settings built in code follow the same rules) {
  config::settings value;
  value.node.name = "a";
  value.node.listen = {"10.0.0.1", 4242};
  value.node.tls_cert = "/etc/w/node.pem";
  value.node.tls_key = "/etc/w/node.key";
  value.node.tls_ca_file = "/etc/w/ca.pem";
  value.cluster.nodes = {{"a", {"10.0.0.1", 4242}}, {"b", {"10.0.0.2", 4242}}};
  value.cluster.secret_file = "/etc/w/cluster.secret";
  auto errors = config::validate(value);
  CAF_CHECK(errors.empty());
  if (!errors.empty())
    CAF_MESSAGE("errors:" << render(errors));
  config::cluster_member without_address;
  without_address.name = "c";
  value.cluster.nodes.push_back(without_address);
  value.cluster.nodes.push_back({"", {"10.0.0.4", 0}});
  errors = config::validate(value);
  CAF_REQUIRE_EQUAL(errors.size(), 3u);
  CAF_CHECK_EQUAL(errors[0].key, "cluster.nodes[2].address");
  CAF_CHECK_EQUAL(errors[0].message,
                  "is required: \"host:port\" with a port in [1, 65535]");
  CAF_CHECK_EQUAL(errors[1].key, "cluster.nodes[3].name");
  CAF_CHECK_EQUAL(errors[2].key, "cluster.nodes[3].address");
}
