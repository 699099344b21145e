// Runs a callable that must throw vmsim::UserError and returns the error.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "sim/common/errors.hpp"

namespace vmsim::testing {

template <typename F>
UserError user_error_from(F&& f) {
    try {
        f();
    } catch (const UserError& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "not one line: " << e.what();
        return e;
    }
    ADD_FAILURE() << "expected a vmsim::UserError";
    return UserError(kExitOk, "<no error>");
}

}  // namespace vmsim::testing
