#include "sip/parser.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "sip/header_values.hpp"

namespace lockline::sip {
namespace {

// Joins lines with CRLF, ends the header section with an empty line, then appends the body.
std::string wire(std::initializer_list<std::string_view> lines, std::string_view body = {}) {
  std::string out;
  for (auto line : lines) {
    out += line;
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

// A complete REGISTER; the tests below drop or change one line of it at a time.
std::string register_without(std::string_view skipped) {
  const std::initializer_list<std::string_view> lines = {
      "REGISTER sip:pbx.test SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKreg1;rport",
      "Max-Forwards: 70",
      "From: <sip:1001@pbx.test>;tag=a1b2",
      "To: <sip:1001@pbx.test>",
      "Call-ID: reg-7f3e@192.0.2.20",
      "CSeq: 1 REGISTER",
      "Contact: <sip:1001@192.0.2.20:5060>;expires=600",
      "Content-Length: 0",
  };
  std::string out;
  for (auto line : lines) {
    if (!skipped.empty() && line.starts_with(skipped)) continue;
    out += line;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string error_of(std::string_view bytes, const ParseLimits& limits = {}) {
  auto parsed = parse_message(bytes, limits);
  if (parsed) return "(parsed)";
  return parsed.error().message;
}

TEST(Parser, ParsesAValidRegister) {
  const auto text = register_without("");
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method(), Method::register_);
  EXPECT_EQ(m->method_text(), "REGISTER");
  EXPECT_EQ(m->request_uri(), "sip:pbx.test");
  EXPECT_EQ(m->status(), 0);
  EXPECT_EQ(m->call_id(), "reg-7f3e@192.0.2.20");
  EXPECT_EQ(m->cseq().number, 1u);
  EXPECT_EQ(m->cseq().method, Method::register_);
  EXPECT_EQ(m->cseq().method_text, "REGISTER");
  EXPECT_EQ(m->from(), "<sip:1001@pbx.test>;tag=a1b2");
  EXPECT_EQ(m->to(), "<sip:1001@pbx.test>");
  EXPECT_EQ(m->header(HeaderId::contact), "<sip:1001@192.0.2.20:5060>;expires=600");
  EXPECT_EQ(m->header(HeaderId::max_forwards), "70");
  EXPECT_EQ(m->headers().size(), 8u);
  EXPECT_TRUE(m->body().empty());
  EXPECT_EQ(m->bytes(), text);
  auto via = parse_via(m->header(HeaderId::via));
  ASSERT_TRUE(via);
  EXPECT_EQ(via->branch, "z9hG4bKreg1");
  EXPECT_TRUE(via->rport);
}

TEST(Parser, MessageOwnsItsBytes) {
  auto text = register_without("");
  auto m = parse_message(text);
  ASSERT_TRUE(m);
  text.assign(text.size(), 'x');  // the views must not point into the caller's buffer
  EXPECT_EQ(m->call_id(), "reg-7f3e@192.0.2.20");
  EXPECT_EQ(m->method_text(), "REGISTER");
  auto moved = std::move(m.value());
  EXPECT_EQ(moved.call_id(), "reg-7f3e@192.0.2.20");
  EXPECT_EQ(moved.to(), "<sip:1001@pbx.test>");
}

TEST(Parser, ParsesAResponse) {
  const auto text = wire({
      "SIP/2.0 401 Unauthorized",
      "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKreg1;received=192.0.2.20",
      "From: <sip:1001@pbx.test>;tag=a1b2",
      "To: <sip:1001@pbx.test>;tag=ffee",
      "Call-ID: reg-7f3e@192.0.2.20",
      "CSeq: 1 REGISTER",
      "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"abc\", algorithm=SHA-256",
      "Content-Length: 0",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->is_request());
  EXPECT_EQ(m->status(), 401);
  EXPECT_EQ(m->reason(), "Unauthorized");
  EXPECT_EQ(m->method(), Method::unknown);
  EXPECT_EQ(m->cseq().method, Method::register_);
  ASSERT_EQ(m->headers().size(), 7u);
  EXPECT_EQ(m->headers()[5].id, HeaderId::other);
  EXPECT_EQ(m->headers()[5].name, "WWW-Authenticate");
}

TEST(Parser, ResponseReasonMayBeEmptyOrHoldSpaces) {
  const auto tail = std::string_view(
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
      "Call-ID: x\r\nCSeq: 2 INVITE\r\n\r\n");
  auto ringing = parse_message("SIP/2.0 180 Ringing Now\r\n" + std::string(tail));
  ASSERT_TRUE(ringing) << ringing.error().message;
  EXPECT_EQ(ringing->status(), 180);
  EXPECT_EQ(ringing->reason(), "Ringing Now");
  auto bare = parse_message("SIP/2.0 200\r\n" + std::string(tail));
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->status(), 200);
  EXPECT_TRUE(bare->reason().empty());
}

TEST(Parser, RejectsBadStatusCodes) {
  const std::string tail =
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
      "Call-ID: x\r\nCSeq: 2 INVITE\r\n\r\n";
  EXPECT_EQ(error_of("SIP/2.0 099 Early\r\n" + tail), "Malformed Status Code");
  EXPECT_EQ(error_of("SIP/2.0 700 Late\r\n" + tail), "Malformed Status Code");
  EXPECT_EQ(error_of("SIP/2.0 2x0 OK\r\n" + tail), "Malformed Status Code");
  EXPECT_EQ(error_of("SIP/2.0 2000 OK\r\n" + tail), "Malformed Status Line");
  EXPECT_EQ(error_of("SIP/2.0 20\r\n" + tail), "Malformed Status Line");
}

TEST(Parser, UnderstandsCompactHeaderForms) {
  const auto text = wire(
      {
          "INVITE sip:1002@pbx.test SIP/2.0",
          "v: SIP/2.0/TCP 192.0.2.30:5060;branch=z9hG4bKcompact",
          "f: \"Alice\" <sip:1001@pbx.test>;tag=77",
          "t: <sip:1002@pbx.test>",
          "i: compact-1@192.0.2.30",
          "CSeq: 10 INVITE",
          "m: <sip:1001@192.0.2.30;transport=tcp>",
          "k: replaces, 100rel",
          "c: application/sdp",
          "l: 4",
      },
      "v=0\r\n");
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header(HeaderId::via), "SIP/2.0/TCP 192.0.2.30:5060;branch=z9hG4bKcompact");
  EXPECT_EQ(m->from(), "\"Alice\" <sip:1001@pbx.test>;tag=77");
  EXPECT_EQ(m->to(), "<sip:1002@pbx.test>");
  EXPECT_EQ(m->call_id(), "compact-1@192.0.2.30");
  EXPECT_EQ(m->header(HeaderId::contact), "<sip:1001@192.0.2.30;transport=tcp>");
  EXPECT_EQ(m->header(HeaderId::supported), "replaces, 100rel");
  EXPECT_EQ(m->header(HeaderId::content_type), "application/sdp");
  EXPECT_EQ(m->header(HeaderId::content_length), "4");
  EXPECT_EQ(m->body(), "v=0\r");
  EXPECT_EQ(m->headers()[0].name, "v");  // kept as written
}

TEST(Parser, HeaderIdKnowsFullAndCompactNamesInAnyCase) {
  EXPECT_EQ(header_id("Via"), HeaderId::via);
  EXPECT_EQ(header_id("vIA"), HeaderId::via);
  EXPECT_EQ(header_id("V"), HeaderId::via);
  EXPECT_EQ(header_id("call-id"), HeaderId::call_id);
  EXPECT_EQ(header_id("I"), HeaderId::call_id);
  EXPECT_EQ(header_id("CSEQ"), HeaderId::cseq);
  EXPECT_EQ(header_id("content-LENGTH"), HeaderId::content_length);
  EXPECT_EQ(header_id("L"), HeaderId::content_length);
  EXPECT_EQ(header_id("m"), HeaderId::contact);
  EXPECT_EQ(header_id("k"), HeaderId::supported);
  EXPECT_EQ(header_id("c"), HeaderId::content_type);
  EXPECT_EQ(header_id("f"), HeaderId::from);
  EXPECT_EQ(header_id("t"), HeaderId::to);
  EXPECT_EQ(header_id("proxy-authorization"), HeaderId::proxy_authorization);
  EXPECT_EQ(header_id("x"), HeaderId::other);
  EXPECT_EQ(header_id("Subject"), HeaderId::other);  // compact "s" is not one we read
  EXPECT_EQ(header_id("Vias"), HeaderId::other);
  EXPECT_EQ(header_id(""), HeaderId::other);
}

TEST(Parser, HeaderNamesAreCaseInsensitiveAndMayHaveSpaceBeforeTheColon) {
  const auto text = wire({
      "OPTIONS sip:pbx.test SIP/2.0",
      "VIA: SIP/2.0/UDP 192.0.2.40;branch=z9hG4bKcase",
      "from   : <sip:1003@pbx.test>;tag=5",
      "tO:<sip:pbx.test>",
      "cAlL-iD:   case@192.0.2.40   ",
      "cseq: 0009 OPTIONS",
      "MAX-FORWARDS: 0",
      "CONTENT-LENGTH: 0",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->method(), Method::options);
  EXPECT_EQ(m->from(), "<sip:1003@pbx.test>;tag=5");
  EXPECT_EQ(m->to(), "<sip:pbx.test>");
  EXPECT_EQ(m->call_id(), "case@192.0.2.40");  // trimmed
  EXPECT_EQ(m->cseq().number, 9u);
  EXPECT_EQ(m->header(HeaderId::max_forwards), "0");
}

TEST(Parser, UnfoldsContinuationLines) {
  // RFC 3261 §7.3.1: a line starting with SP or HTAB continues the previous header.
  const auto text = wire({
      "INVITE sip:1002@pbx.test SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.50:5060",
      "  ;branch=z9hG4bKfolded",
      "From: <sip:1001@pbx.test>",
      "\t;tag=fold1",
      "To: <sip:1002@pbx.test>",
      "Subject: first part",
      " \t second part",
      "Call-ID: fold@192.0.2.50",
      "CSeq: 1",
      "\tINVITE",
      "Content-Length: 0",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->headers().size(), 7u);
  auto via = parse_via(m->header(HeaderId::via));
  ASSERT_TRUE(via);
  EXPECT_EQ(via->branch, "z9hG4bKfolded");
  EXPECT_EQ(via->sent_by.host, "192.0.2.50");
  EXPECT_EQ(via->sent_by.port, 5060);
  auto from = parse_name_addr(m->from());
  ASSERT_TRUE(from);
  EXPECT_EQ(from->uri, "sip:1001@pbx.test");
  EXPECT_EQ(find_param(from->params, "tag"), "fold1");
  EXPECT_EQ(m->cseq().number, 1u);
  EXPECT_EQ(m->cseq().method, Method::invite);
  std::string_view subject;
  for (const auto& h : m->headers()) {
    if (h.name == "Subject") subject = h.value;
  }
  EXPECT_TRUE(subject.starts_with("first part"));
  EXPECT_TRUE(subject.ends_with("second part"));
  EXPECT_EQ(subject.find_first_of("\r\n"), std::string_view::npos);
  EXPECT_EQ(subject.find_first_not_of(" \t", 10), subject.find("second"));
}

TEST(Parser, KeepsSeveralViaValuesOnOneLine) {
  const auto text = wire({
      "BYE sip:1001@192.0.2.20 SIP/2.0",
      "Via: SIP/2.0/UDP proxy1.test:5060;branch=z9hG4bKtop, SIP/2.0/TCP "
      "192.0.2.61;branch=z9hG4bKnext",
      "From: <sip:1002@pbx.test>;tag=1",
      "To: <sip:1001@pbx.test>;tag=2",
      "Call-ID: vias@proxy1.test",
      "CSeq: 3 BYE",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header_count(HeaderId::via), 1u);
  const auto vias = split_list(m->header(HeaderId::via));
  ASSERT_EQ(vias.size(), 2u);
  auto top = parse_via(vias[0]);
  auto second = parse_via(vias[1]);
  ASSERT_TRUE(top);
  ASSERT_TRUE(second);
  EXPECT_EQ(top->sent_by.host, "proxy1.test");
  EXPECT_EQ(top->branch, "z9hG4bKtop");
  EXPECT_EQ(second->transport, "TCP");
  EXPECT_EQ(second->branch, "z9hG4bKnext");
  // parse_via of the whole line reads its top via-parm.
  EXPECT_EQ(parse_via(m->header(HeaderId::via))->branch, "z9hG4bKtop");
}

TEST(Parser, KeepsSeveralViaLinesInOrder) {
  const auto text = wire({
      "BYE sip:1001@192.0.2.20 SIP/2.0",
      "Via: SIP/2.0/UDP proxy1.test;branch=z9hG4bKfirst",
      "From: <sip:1002@pbx.test>;tag=1",
      "v: SIP/2.0/UDP proxy2.test;branch=z9hG4bKsecond",
      "To: <sip:1001@pbx.test>;tag=2",
      "VIA: SIP/2.0/UDP 192.0.2.62;branch=z9hG4bKthird",
      "Call-ID: vias2@proxy1.test",
      "CSeq: 3 BYE",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header_count(HeaderId::via), 3u);
  EXPECT_EQ(m->header(HeaderId::via), "SIP/2.0/UDP proxy1.test;branch=z9hG4bKfirst");
  std::vector<std::string_view> branches;
  for (const auto& h : m->headers()) {
    if (h.id == HeaderId::via) branches.push_back(parse_via(h.value)->branch);
  }
  EXPECT_EQ(branches,
            (std::vector<std::string_view>{"z9hG4bKfirst", "z9hG4bKsecond", "z9hG4bKthird"}));
}

TEST(Parser, KeepsEscapedUrisAsWritten) {
  const auto text = wire({
      "INVITE sip:%61lice%2Bhome@pbx.test;transport=udp SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.70;branch=z9hG4bKesc",
      "From: \"J\\\"D\" <sip:j%20d@pbx.test>;tag=9",
      "To: <sip:%61lice%2Bhome@pbx.test>",
      "Call-ID: esc@192.0.2.70",
      "CSeq: 1 INVITE",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->request_uri(), "sip:%61lice%2Bhome@pbx.test;transport=udp");
  auto uri = parse_sip_uri(m->request_uri());
  ASSERT_TRUE(uri) << uri.error().message;
  EXPECT_EQ(uri->user, "alice+home");
  EXPECT_EQ(uri->host.host, "pbx.test");
  EXPECT_EQ(uri->params, ";transport=udp");
  auto from = parse_name_addr(m->from());
  ASSERT_TRUE(from);
  EXPECT_EQ(from->display, "J\"D");
  auto from_uri = parse_sip_uri(from->uri);
  ASSERT_TRUE(from_uri);
  EXPECT_EQ(from_uri->user, "j d");
}

TEST(Parser, AcceptsIpv6ReferencesInViaAndRequestUri) {
  const auto text = wire({
      "REGISTER sip:[2001:db8::10]:5060 SIP/2.0",
      "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKv6;rport",
      "From: <sip:1001@[2001:db8::10]>;tag=v6",
      "To: <sip:1001@[2001:db8::10]>",
      "Call-ID: v6@[2001:db8::9]",
      "CSeq: 4 REGISTER",
      "Contact: <sip:1001@[2001:db8::9]:5070>",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->request_uri(), "sip:[2001:db8::10]:5060");
  auto via = parse_via(m->header(HeaderId::via));
  ASSERT_TRUE(via);
  EXPECT_EQ(via->sent_by.host, "[2001:db8::9]");
  EXPECT_EQ(via->sent_by.port, 5070);
  auto uri = parse_sip_uri(m->request_uri());
  ASSERT_TRUE(uri) << uri.error().message;
  EXPECT_EQ(uri->host.host, "[2001:db8::10]");
  EXPECT_EQ(uri->host.port, 5060);
  EXPECT_EQ(uri->user, "");
}

TEST(Parser, RejectsAnUnbracketedIpv6ViaHost) {
  const auto text = wire({
      "OPTIONS sip:pbx.test SIP/2.0",
      "Via: SIP/2.0/UDP 2001:db8::9;branch=z9hG4bKbad6",
      "From: <sip:a@pbx.test>;tag=1",
      "To: <sip:pbx.test>",
      "Call-ID: bad6",
      "CSeq: 1 OPTIONS",
  });
  EXPECT_EQ(error_of(text), "Malformed Via");
}

TEST(Parser, ReadsTheBodyByContentLength) {
  const std::string sdp =
      "v=0\r\no=1001 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n";
  const auto text = wire(
      {
          "INVITE sip:1002@pbx.test SIP/2.0",
          "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKbody",
          "From: <sip:1001@pbx.test>;tag=b",
          "To: <sip:1002@pbx.test>",
          "Call-ID: body@192.0.2.20",
          "CSeq: 1 INVITE",
          "Content-Type: application/sdp",
          "Content-Length: " + std::to_string(sdp.size()),
      },
      sdp);
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->body(), sdp);
}

TEST(Parser, DatagramBodyIsCutToContentLengthOrTakesTheRest) {
  const std::initializer_list<std::string_view> head = {
      "MESSAGE sip:1002@pbx.test SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKcut",
      "From: <sip:1001@pbx.test>;tag=b",
      "To: <sip:1002@pbx.test>",
      "Call-ID: cut@192.0.2.20",
      "CSeq: 1 MESSAGE",
      "Content-Length: 5",
  };
  auto cut = parse_message(wire(head, "hello, and trailing junk"));
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_EQ(cut->body(), "hello");
  auto rest = parse_message(
      wire({"MESSAGE sip:1002@pbx.test SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKrest",
            "From: <sip:1001@pbx.test>;tag=b", "To: <sip:1002@pbx.test>",
            "Call-ID: rest@192.0.2.20", "CSeq: 1 MESSAGE"},
           "no length given"));
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(rest->body(), "no length given");
}

TEST(Parser, MissingRequiredHeadersAreNamed) {
  EXPECT_EQ(error_of(register_without("Via:")), "Missing Via");
  EXPECT_EQ(error_of(register_without("From:")), "Missing From");
  EXPECT_EQ(error_of(register_without("To:")), "Missing To");
  EXPECT_EQ(error_of(register_without("Call-ID:")), "Missing Call-ID");
  EXPECT_EQ(error_of(register_without("CSeq:")), "Missing CSeq");
  // Present but empty counts as missing.
  auto empty_call_id = register_without("Call-ID:");
  empty_call_id.insert(empty_call_id.find("CSeq:"), "Call-ID:   \r\n");
  EXPECT_EQ(error_of(empty_call_id), "Missing Call-ID");
}

TEST(Parser, DuplicateSingletonHeadersAreRefused) {
  auto text = register_without("");
  text.insert(text.find("CSeq:"), "i: second@192.0.2.20\r\n");
  EXPECT_EQ(error_of(text), "Duplicate Call-ID");
  text = register_without("");
  text.insert(text.find("CSeq:"), "CSeq: 2 REGISTER\r\n");
  EXPECT_EQ(error_of(text), "Duplicate CSeq");
  text = register_without("");
  text.insert(text.find("CSeq:"), "f: <sip:1009@pbx.test>;tag=x\r\n");
  EXPECT_EQ(error_of(text), "Duplicate From");
}

TEST(Parser, CSeqMustMatchTheRequestMethod) {
  auto text = register_without("CSeq:");
  text.insert(text.find("Contact:"), "CSeq: 1 INVITE\r\n");
  EXPECT_EQ(error_of(text), "CSeq Method Mismatch");
  // Methods are case-sensitive (RFC 3261 §7.1).
  text = register_without("CSeq:");
  text.insert(text.find("Contact:"), "CSeq: 1 register\r\n");
  EXPECT_EQ(error_of(text), "CSeq Method Mismatch");
}

TEST(Parser, RejectsMalformedCSeqAndCallId) {
  const auto with_cseq = [](std::string_view cseq) {
    auto text = register_without("CSeq:");
    text.insert(text.find("Contact:"), "CSeq: " + std::string(cseq) + "\r\n");
    return text;
  };
  EXPECT_EQ(error_of(with_cseq("REGISTER")), "Malformed CSeq");
  EXPECT_EQ(error_of(with_cseq("x1 REGISTER")), "Malformed CSeq");
  EXPECT_EQ(error_of(with_cseq("-1 REGISTER")), "Malformed CSeq");
  EXPECT_EQ(error_of(with_cseq("2147483648 REGISTER")), "Malformed CSeq");  // over 2**31 - 1
  auto max = parse_message(with_cseq("2147483647 REGISTER"));
  ASSERT_TRUE(max) << max.error().message;
  EXPECT_EQ(max->cseq().number, 2147483647u);
  auto tab = parse_message(with_cseq("8\tREGISTER"));
  ASSERT_TRUE(tab) << tab.error().message;
  EXPECT_EQ(tab->cseq().number, 8u);

  auto call_id = register_without("Call-ID:");
  call_id.insert(call_id.find("CSeq:"), "Call-ID: two words\r\n");
  EXPECT_EQ(error_of(call_id), "Malformed Call-ID");
}

TEST(Parser, RejectsBadContentLength) {
  const auto with_length = [](std::string_view value, std::string_view body = {}) {
    auto text = register_without("Content-Length:");
    text.insert(text.size() - 2, "Content-Length: " + std::string(value) + "\r\n");
    text += body;
    return text;
  };
  EXPECT_EQ(error_of(with_length("abc")), "Malformed Content-Length");
  EXPECT_EQ(error_of(with_length("-1")), "Malformed Content-Length");
  EXPECT_EQ(error_of(with_length("1 0")), "Malformed Content-Length");
  EXPECT_EQ(error_of(with_length("99999999999")), "Malformed Content-Length");
  EXPECT_EQ(error_of(with_length("10", "short")), "Content-Length Exceeds Message");
  auto twice = with_length("5", "hello");
  twice.insert(twice.find("Content-Length:"), "l: 6\r\n");
  EXPECT_EQ(error_of(twice), "Conflicting Content-Length");
  auto same_twice = with_length("5", "hello");
  same_twice.insert(same_twice.find("Content-Length:"), "l: 5\r\n");
  auto ok = parse_message(same_twice);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body(), "hello");
}

TEST(Parser, RejectsBrokenStartLines) {
  const auto tail = register_without("REGISTER");  // the header lines only
  EXPECT_EQ(error_of("REGISTER sip:pbx.test SIP/3.0\r\n" + tail), "Unsupported SIP Version");
  EXPECT_EQ(error_of("REGISTER sip:pbx.test\r\n" + tail), "Malformed Request Line");
  EXPECT_EQ(error_of("REGISTER pbx.test SIP/2.0\r\n" + tail), "Malformed Request-URI");
  EXPECT_EQ(error_of("REGISTER sip:a b SIP/2.0\r\n" + tail), "Malformed Request-URI");
  EXPECT_EQ(error_of("REG@STER sip:pbx.test SIP/2.0\r\n" + tail), "Malformed Method");
  EXPECT_EQ(error_of("REGISTER sip:pbx.test SIP/2.0"), "Incomplete Header Section");
  EXPECT_EQ(error_of(""), "Incomplete Header Section");
  EXPECT_EQ(error_of("\r\n\r\n"), "Malformed Request Line");
}

TEST(Parser, AcceptsUnknownMethodsAsUnknown) {
  const auto text = wire({
      "NEWMETHOD sip:pbx.test SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.80;branch=z9hG4bKnew",
      "From: <sip:1001@pbx.test>;tag=n",
      "To: <sip:pbx.test>",
      "Call-ID: new@192.0.2.80",
      "CSeq: 5 NEWMETHOD",
  });
  auto m = parse_message(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->method(), Method::unknown);
  EXPECT_EQ(m->method_text(), "NEWMETHOD");
  EXPECT_EQ(m->cseq().method, Method::unknown);
}

TEST(Parser, RejectsBadHeaderLines) {
  auto no_colon = register_without("");
  no_colon.insert(no_colon.find("CSeq:"), "Subject without colon\r\n");
  EXPECT_EQ(error_of(no_colon), "Malformed Header Line");
  auto bad_name = register_without("");
  bad_name.insert(bad_name.find("CSeq:"), "Sub ject: x\r\n");
  EXPECT_EQ(error_of(bad_name), "Malformed Header Name");
  auto control = register_without("");
  control.insert(control.find("CSeq:"), std::string("Subject: a\x01z\r\n"));
  EXPECT_EQ(error_of(control), "Control Character in Header Subject");
  auto nul = register_without("");
  nul.insert(nul.find("CSeq:"), std::string("Subject: a\0z\r\n", 14));
  EXPECT_EQ(error_of(nul), "Control Character in Header Subject");
  auto bare_lf = register_without("");
  bare_lf.insert(bare_lf.find("CSeq:"), "Subject: a\nb\r\n");
  EXPECT_EQ(error_of(bare_lf), "Control Character in Header Subject");
  auto tab = register_without("");
  tab.insert(tab.find("CSeq:"), "Subject: a\tb\r\n");
  EXPECT_TRUE(parse_message(tab));
  auto max_forwards = register_without("Max-Forwards:");
  max_forwards.insert(max_forwards.find("CSeq:"), "Max-Forwards: 256\r\n");
  EXPECT_EQ(error_of(max_forwards), "Malformed Max-Forwards");
}

TEST(Parser, EnforcesTheMessageSizeLimit) {
  const auto text = register_without("");
  ParseLimits limits;
  limits.message_bytes = text.size();
  EXPECT_TRUE(parse_message(text, limits));
  limits.message_bytes = text.size() - 1;
  EXPECT_EQ(error_of(text, limits), "Message Too Large");
  // The default limit is a datagram's maximum.
  const std::string big(70000, 'a');
  EXPECT_EQ(error_of(big), "Message Too Large");
}

TEST(Parser, EnforcesTheHeaderCountLimit) {
  const auto text = register_without("");  // 8 header lines
  ParseLimits limits;
  limits.header_lines = 8;
  EXPECT_TRUE(parse_message(text, limits));
  limits.header_lines = 7;
  EXPECT_EQ(error_of(text, limits), "Too Many Headers");
  // Many short headers within the byte limit, over the default count.
  auto many = register_without("");
  std::string extra;
  for (int i = 0; i < 200; ++i) extra += "X-H: " + std::to_string(i) + "\r\n";
  many.insert(many.find("CSeq:"), extra);
  EXPECT_EQ(error_of(many), "Too Many Headers");
}

TEST(Parser, EnforcesTheLineLengthLimit) {
  ParseLimits limits;
  limits.line_bytes = 64;
  auto text = register_without("");
  text.insert(text.find("CSeq:"), "Subject: " + std::string(55, 's') + "\r\n");  // 64 bytes
  EXPECT_TRUE(parse_message(text, limits));
  text.insert(text.find("CSeq:"), "Subject: " + std::string(56, 's') + "\r\n");  // 65 bytes
  EXPECT_EQ(error_of(text, limits), "Header Line Too Long");
  // The start line counts too.
  limits.line_bytes = 20;
  EXPECT_EQ(error_of(register_without(""), limits), "Header Line Too Long");
  // A folded header is one line once unfolded.
  limits.line_bytes = 64;
  auto folded = register_without("");
  folded.insert(folded.find("CSeq:"),
                "Subject: " + std::string(40, 's') + "\r\n " + std::string(40, 't') + "\r\n");
  EXPECT_EQ(error_of(folded, limits), "Header Line Too Long");
}

TEST(Parser, SurvivesGarbageWithoutCrashing) {
  // Not a proof, but every prefix of a valid message and a few mangled bytes must give either a
  // message or an error.
  const auto text = register_without("");
  for (std::size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(parse_message(std::string_view(text).substr(0, n))) << n;
  }
  EXPECT_TRUE(parse_message(text));
  std::string mangled = text;
  for (std::size_t i = 0; i < mangled.size(); i += 7) {
    mangled[i] = static_cast<char>(0x80 + i % 0x7f);
    (void)parse_message(mangled);
  }
}

TEST(StreamFraming, NeedsMoreBytesUntilHeadersAndBodyArrive) {
  const auto text = wire(
      {
          "MESSAGE sip:1002@pbx.test SIP/2.0",
          "Via: SIP/2.0/TCP 192.0.2.20;branch=z9hG4bKstream",
          "From: <sip:1001@pbx.test>;tag=s",
          "To: <sip:1002@pbx.test>",
          "Call-ID: stream@192.0.2.20",
          "CSeq: 1 MESSAGE",
          "Content-Length: 11",
      },
      "hello world");
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto size = stream_message_size(std::string_view(text).substr(0, n));
    ASSERT_TRUE(size) << n << ": " << size.error().message;
    EXPECT_EQ(*size, 0u) << n;
  }
  auto size = stream_message_size(text);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, text.size());
  // With the next message's first bytes behind it, the first one's size still.
  auto followed = stream_message_size(text + "OPTIONS sip:pbx.test SIP/2.0\r\n");
  ASSERT_TRUE(followed);
  EXPECT_EQ(*followed, text.size());
  auto m = parse_message(std::string_view(text).substr(0, *followed));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->body(), "hello world");
}

TEST(StreamFraming, ReadsTheCompactAndCaseInsensitiveContentLength) {
  const auto compact = wire({"OPTIONS sip:pbx.test SIP/2.0", "l: 3"}, "abc");
  auto size = stream_message_size(compact);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, compact.size());
  const auto lower = wire({"OPTIONS sip:pbx.test SIP/2.0", "content-length : 0"});
  size = stream_message_size(lower);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, lower.size());
}

TEST(StreamFraming, RefusesBrokenFraming) {
  const auto missing = wire({"OPTIONS sip:pbx.test SIP/2.0", "Call-ID: x"});
  auto size = stream_message_size(missing);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "Missing Content-Length");

  const auto conflicting =
      wire({"OPTIONS sip:pbx.test SIP/2.0", "Content-Length: 3", "l: 4"}, "abcd");
  size = stream_message_size(conflicting);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "Conflicting Content-Length");

  const auto malformed = wire({"OPTIONS sip:pbx.test SIP/2.0", "Content-Length: 3x"});
  size = stream_message_size(malformed);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "Malformed Content-Length");
}

TEST(StreamFraming, EnforcesTheMessageSizeLimit) {
  ParseLimits limits;
  limits.message_bytes = 100;
  // A declared body that would take the message over the limit fails at once, before it comes.
  const auto declared = wire({"OPTIONS sip:pbx.test SIP/2.0", "Content-Length: 500"});
  auto size = stream_message_size(declared, limits);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "Message Too Large");
  // Headers that never end fail once they pass the limit.
  const std::string endless = "OPTIONS sip:pbx.test SIP/2.0\r\nX: " + std::string(200, 'x');
  size = stream_message_size(endless, limits);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().message, "Message Too Large");
  size = stream_message_size(std::string_view(endless).substr(0, 100), limits);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 0u);
  // Exactly at the limit is fine.
  const auto head = wire({"OPTIONS sip:pbx.test SIP/2.0", "Content-Length: 10"});
  limits.message_bytes = head.size() + 10;
  size = stream_message_size(head + "0123456789", limits);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, head.size() + 10);
}

}  // namespace
}  // namespace lockline::sip
