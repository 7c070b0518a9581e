#include "provisioning/file_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lockline::provisioning {
namespace {

using pbx::Manufacturer;

TEST(FileName, KnowsEachManufacturersCommonFiles) {
  struct Case {
    const char* name;
    Manufacturer manufacturer;
    const char* template_name;
  };
  for (const auto& c : {Case{"y000000000096.cfg", Manufacturer::yealink, "common.cfg"},
                        Case{"y000000000028.cfg", Manufacturer::yealink, "common.cfg"},
                        Case{"000000000000.cfg", Manufacturer::poly, "master.cfg"},
                        Case{"snomD785.htm", Manufacturer::snom, "common.htm"}}) {
    const auto file = parse_file_name(c.name);
    ASSERT_TRUE(file) << c.name;
    EXPECT_EQ(file->kind, FileKind::common) << c.name;
    ASSERT_EQ(file->choices.size(), 1u) << c.name;
    EXPECT_EQ(file->choices[0].manufacturer, c.manufacturer) << c.name;
    EXPECT_EQ(file->choices[0].template_name, c.template_name) << c.name;
  }
  EXPECT_EQ(parse_file_name("snomD785.htm")->model, "D785");
}

TEST(FileName, KnowsHandsetFilesAndWhoseTheyMayBe) {
  const auto cfg = parse_file_name("001565AABBCC.cfg");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->kind, FileKind::handset);
  EXPECT_EQ(cfg->mac, "001565aabbcc");
  ASSERT_EQ(cfg->choices.size(), 2u);  // Yealink's account file, Poly's per-phone master
  EXPECT_EQ(cfg->choices[0].manufacturer, Manufacturer::yealink);
  EXPECT_EQ(cfg->choices[1].manufacturer, Manufacturer::poly);

  const auto phone = parse_file_name("0004f2aabbcc-phone.cfg");
  ASSERT_TRUE(phone);
  EXPECT_EQ(phone->choices.at(0).template_name, "phone.cfg");

  const auto snom = parse_file_name("snomD785-000413AABBCC.htm");
  ASSERT_TRUE(snom);
  EXPECT_EQ(snom->kind, FileKind::handset);
  EXPECT_EQ(snom->mac, "000413aabbcc");
  EXPECT_EQ(snom->model, "D785");

  const auto xml = parse_file_name("000413aabbcc.xml");
  ASSERT_TRUE(xml);
  EXPECT_EQ(xml->choices.size(), 2u);  // Snom or Cisco MPP

  const auto grandstream = parse_file_name("cfg000b82aabbcc.xml");
  ASSERT_TRUE(grandstream);
  EXPECT_EQ(grandstream->choices.at(0).manufacturer, Manufacturer::grandstream);

  EXPECT_EQ(parse_file_name("lockline-ca.pem")->kind, FileKind::trust);
}

TEST(FileName, RefusesNamesNoPhoneAsksFor) {
  for (const char* name :
       {"", "passwd", "../001565aabbcc.cfg", "y00000000009.cfg", "y0000000000ab.cfg",
        "001565aabbc.cfg", "001565aabbcc.txt", "cfg001565aabbcc.cfg", "snom.htm", "snomD785-.htm",
        "snom-001565aabbcc.htm", "snomD7.85-001565aabbcc.htm", "000000000000.xml",
        "ffffffffffff.cfg", "001565aabbcc-phone.xml", "lockline-ca.pem.bak"}) {
    const auto file = parse_file_name(name);
    ASSERT_FALSE(file) << name;
    EXPECT_EQ(file.error().kind, ErrorKind::not_found) << name;
  }
}

TEST(FileName, NamesEachManufacturersHandsetFileAsItsPhonesAskForIt) {
  for (const auto m : pbx::kManufacturers) {
    const auto name = handset_file_name(m, "001565aabbcc", "T54W");
    const auto file = parse_file_name(name);
    ASSERT_TRUE(file) << name;
    EXPECT_EQ(file->kind, FileKind::handset) << name;
    EXPECT_EQ(file->mac, "001565aabbcc") << name;
    bool named = false;
    for (const auto& c : file->choices) named = named || c.manufacturer == m;
    EXPECT_TRUE(named) << name;
  }
}

}  // namespace
}  // namespace lockline::provisioning
