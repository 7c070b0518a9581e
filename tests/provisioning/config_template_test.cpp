#include "provisioning/config_template.hpp"

#include <gtest/gtest.h>

namespace lockline::provisioning {
namespace {

TemplateValues sample() {
  TemplateValues v;
  v.values["user"] = "1001";
  v.values["name"] = "R&D <\"lab\"> 'x'";
  v.flags["tls"] = true;
  v.flags["plain"] = false;
  return v;
}

TEST(ConfigTemplate, FillsValuesAndKeepsOnlyTheSectionsThatHold) {
  const auto out = render_template(
      "a={{user}}\n{{#tls}}t=2\n{{/tls}}{{^tls}}t=0\n{{/tls}}"
      "{{#plain}}never{{/plain}}x={{#tls}}{{^plain}}both{{/plain}}{{/tls}}\n",
      sample(), Escaping::flat);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, "a=1001\nt=2\nx=both\n");
}

TEST(ConfigTemplate, SectionTagsAloneOnTheirLineLeaveNoBlankLine) {
  const auto out = render_template(
      "a\n  {{#plain}}\nb\n  {{/plain}}\nc\n{{^plain}}\r\nd\n{{/plain}}", sample(), Escaping::flat);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "a\nc\nd\n");
}

TEST(ConfigTemplate, EscapesForXmlIncludingLineBreaksInAttributes) {
  auto values = sample();
  values.values["pem"] = "-----BEGIN-----\nAB\n";
  const auto out = render_template("<a n=\"{{name}}\" p=\"{{pem}}\"/>", values, Escaping::xml);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "<a n=\"R&amp;D &lt;&quot;lab&quot;&gt; &apos;x&apos;\" "
            "p=\"-----BEGIN-----&#10;AB&#10;\"/>");
}

TEST(ConfigTemplate, AFlatValueCannotAddALine) {
  auto values = sample();
  values.values["user"] = "1001\naccount.2.password = x";
  const auto out = render_template("u = {{user}}\n", values, Escaping::flat);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("{{user}}"), std::string::npos);
}

TEST(ConfigTemplate, NamesWhatIsWrongWithABrokenTemplate) {
  const auto error_of = [](const char* text) {
    const auto out = render_template(text, sample(), Escaping::flat);
    return out ? std::string("(rendered)") : out.error().message;
  };
  EXPECT_NE(error_of("{{pasword}}").find("unknown value {{pasword}}"), std::string::npos);
  EXPECT_NE(error_of("{{#tsl}}x{{/tsl}}").find("unknown flag"), std::string::npos);
  EXPECT_NE(error_of("{{#tls}}x").find("never closed"), std::string::npos);
  EXPECT_NE(error_of("x{{/tls}}").find("closes no open section"), std::string::npos);
  EXPECT_NE(error_of("{{#tls}}{{#plain}}{{/tls}}{{/plain}}").find("closes no open"),
            std::string::npos);
  EXPECT_NE(error_of("a {{user").find("unterminated"), std::string::npos);
  EXPECT_NE(error_of("{{}}").find("empty"), std::string::npos);
}

}  // namespace
}  // namespace lockline::provisioning
