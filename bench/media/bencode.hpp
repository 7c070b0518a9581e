#pragma once
// Just enough bencode for rtpengine's ng control protocol (dictionaries of strings and lists
// of strings), shared by the load generator and the harness that speaks ng for Lockline.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct Value {
  std::string text;                   // a string or an integer's digits
  std::vector<Value> list;            // a list
  std::map<std::string, Value> dict;  // a dictionary
  const Value* find(const std::string& key) const {
    const auto it = dict.find(key);
    return it == dict.end() ? nullptr : &it->second;
  }
  std::string get(const std::string& key) const {
    const auto* v = find(key);
    return v ? v->text : std::string();
  }
};

inline std::string encode_string(std::string_view s) {
  return std::to_string(s.size()) + ":" + std::string(s);
}

inline std::string encode_dict(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "d";
  for (const auto& [key, value] : entries) out += encode_string(key) + encode_string(value);
  return out + "e";
}

// Parses one value at text[pos]; nullopt on malformed input.
inline std::optional<Value> decode(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) return std::nullopt;
  Value value;
  const char c = text[pos];
  if (c == 'i') {
    const auto end = text.find('e', pos);
    if (end == std::string_view::npos) return std::nullopt;
    value.text = std::string(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  } else if (c == 'l' || c == 'd') {
    ++pos;
    while (pos < text.size() && text[pos] != 'e') {
      auto item = decode(text, pos);
      if (!item) return std::nullopt;
      if (c == 'l') {
        value.list.push_back(std::move(*item));
      } else {
        auto item_value = decode(text, pos);
        if (!item_value) return std::nullopt;
        value.dict[item->text] = std::move(*item_value);
      }
    }
    if (pos >= text.size()) return std::nullopt;
    ++pos;
  } else {
    const auto colon = text.find(':', pos);
    if (colon == std::string_view::npos) return std::nullopt;
    const std::size_t length = std::stoul(std::string(text.substr(pos, colon - pos)));
    if (colon + 1 + length > text.size()) return std::nullopt;
    value.text = std::string(text.substr(colon + 1, length));
    pos = colon + 1 + length;
  }
  return value;
}

}  // namespace bench
