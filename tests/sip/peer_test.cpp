#include "sip/peer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lockline::sip {
namespace {

std::string address_text(const char* text) {
  std::string out = "received=";
  append_address(out, boost::asio::ip::make_address(text));
  return out;
}

TEST(Peer, AppendsAddressesAsInetNtopWritesThem) {
  for (const char* text : {"0.0.0.0", "127.0.0.1", "192.0.2.10", "10.100.9.255", "255.255.255.255",
                           "2001:db8::1", "::ffff:192.0.2.1", "::"}) {
    EXPECT_EQ(address_text(text),
              std::string("received=") + boost::asio::ip::make_address(text).to_string());
  }
}

TEST(Peer, ToStringBracketsIpv6) {
  EXPECT_EQ((Peer{Transport::udp, boost::asio::ip::make_address("192.0.2.1"), 5060, 0}.to_string()),
            "192.0.2.1:5060");
  EXPECT_EQ(
      (Peer{Transport::tls, boost::asio::ip::make_address("2001:db8::1"), 5061, 7}.to_string()),
      "[2001:db8::1]:5061");
}

}  // namespace
}  // namespace lockline::sip
