// A value or a one-line reason why there is none (std::expected is C++23; we build C++20).
// The reason is meant for logs, journals and HTTP 400 bodies, so it never carries secrets.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace reglament::wazzup {

template <class T>
class Expected {
  public:
    static Expected ok(T value) {
        Expected e;
        e.value_ = std::move(value);
        return e;
    }
    static Expected fail(std::string reason) {
        Expected e;
        e.error_ = std::move(reason);
        return e;
    }

    bool has_value() const { return value_.has_value(); }
    explicit operator bool() const { return has_value(); }

    // Throws std::logic_error carrying the reason when there is no value.
    const T& value() const& {
        if (!value_) throw std::logic_error("no value: " + error_);
        return *value_;
    }
    T&& value() && {
        if (!value_) throw std::logic_error("no value: " + error_);
        return std::move(*value_);
    }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    // Empty when there is a value.
    const std::string& error() const { return error_; }

  private:
    Expected() = default;
    std::optional<T> value_;
    std::string error_;
};

// For operations that succeed with nothing to return.
struct Done {};

}  // namespace reglament::wazzup
