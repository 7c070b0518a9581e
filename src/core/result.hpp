#pragma once
// Error policy: untrusted input and I/O return Result/Status with an Error naming the problem
// (and the field, where one is at fault); exceptions only at start-up; assertions for invariants.
#include <string>
#include <utility>
#include <variant>

namespace lockline {

// What kind of failure, so that each edge can answer in its own terms (HTTP status, exit code).
enum class ErrorKind {
  invalid,       // the input is wrong: 400
  conflict,      // the input is valid but policy refuses it: 409
  not_found,     // 404
  unauthorized,  // 401
  forbidden,     // 403
  throttled,     // 429
  internal,      // 500
};

struct Error {
  std::string message;
  std::string field;  // the input field at fault, empty when none applies
  ErrorKind kind = ErrorKind::invalid;
  long long retry_after_seconds = 0;  // throttled: when to try again
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  explicit operator bool() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

using Status = Result<std::monostate>;
inline Status ok() { return std::monostate{}; }
inline Error make_error(std::string message, std::string field = {},
                        ErrorKind kind = ErrorKind::invalid) {
  return Error{std::move(message), std::move(field), kind};
}

}  // namespace lockline
