#define CAF_SUITE config.references
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/support.hpp"

using warden::config::test::load;
using warden::config::test::only_error;

CAF_TEST(a tenant of an undefined tier is refused with a suggestion) {
  CAF_CHECK(only_error(load("[tiers.pro]\n[tiers.free]\n[tenants.acme]\n"
                            "tier = \"prp\"\n"),
                       "tenants.acme.tier", 4,
                       "`prp` is not a defined tier; defined: `free`, `pro` "
                       "(did you mean `pro`?)"));
}

CAF_TEST(a tenant without a tier is refused with line zero) {
  CAF_CHECK(only_error(load("[tiers.pro]\n[tenants.acme]\nweight = 2\n"),
                       "tenants.acme.tier", 0, "is required"));
}

CAF_TEST(an agent using an undefined tool is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[tools.echo]\nkind = \"echo\"\n"
                            "[agents.a]\nprovider = \"p\"\n"
                            "tools = [\"echo\", \"serach\"]\n"),
                       "agents.a.tools[1]", 6,
                       "`serach` is not a defined tool; defined: `echo`"));
}

CAF_TEST(an agent using an undefined provider is refused) {
  CAF_CHECK(only_error(load("[providers.scripted]\n[agents.a]\n"
                            "provider = \"scripte\"\n"),
                       "agents.a.provider", 3,
                       "`scripte` is not a defined provider; defined: "
                       "`scripted` (did you mean `scripted`?)"));
}

CAF_TEST(an agent without a provider is refused with line zero) {
  CAF_CHECK(only_error(load("[agents.a]\nmax_iterations = 3\n"),
                       "agents.a.provider", 0, "is required"));
}

CAF_TEST(a spawn tool naming an undefined agent is refused) {
  CAF_CHECK(only_error(load("[tools.spawn]\nkind = \"spawn_agent\"\n"
                            "agent = \"ghost\"\n"),
                       "tools.spawn.agent", 3,
                       "`ghost` is not a defined agent; defined: none"));
}

CAF_TEST(a spawn tool without an agent is refused with line zero) {
  CAF_CHECK(only_error(load("[tools.spawn]\nkind = \"spawn_agent\"\n"),
                       "tools.spawn.agent", 0,
                       "is required for kind = \"spawn_agent\""));
}

CAF_TEST(a default priority that is not a class is refused) {
  CAF_CHECK(only_error(load("[admission]\ndefault_priority = \"bulk\"\n"),
                       "admission.default_priority", 2,
                       "`bulk` is not a defined priority class; defined: "
                       "`interactive`, `batch`"));
}

CAF_TEST(a default tier that is not a tier is refused) {
  CAF_CHECK(only_error(load("[admission]\ndefault_tier = \"free\"\n"),
                       "admission.default_tier", 2,
                       "`free` is not a defined tier; defined: none"));
}

CAF_TEST(an agent listing a tool twice is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[tools.t]\n[agents.a]\n"
                            "provider = \"p\"\ntools = [\"t\", \"t\"]\n"),
                       "agents.a.tools[1]", 5, "duplicate tool `t`"));
}

CAF_TEST(an agent of an openai provider needs a model) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\n"
                            "endpoint = \"https://api.example/v1\"\n"
                            "[agents.a]\nprovider = \"o\"\n"),
                       "agents.a.model", 0, "is required"));
}

CAF_TEST(a spawn tool on an agent whose fanout allows no child is refused) {
  CAF_CHECK(only_error(load(R"([providers.p]
[tools.spawn]
kind = "spawn_agent"
agent = "a"
[agents.a]
provider = "p"
tools = ["spawn"]
[agents.a.fanout]
max_depth = 1
)"),
                       "agents.a.fanout.max_depth", 9,
                       "allows no child session"));
}
