// The engine in one include: the tape, the active scalar, its operations, second derivatives and
// replays (ad::Function).
#pragma once

#include "autodiff/error.hpp"
#include "autodiff/function.hpp"
#include "autodiff/hessian.hpp"
#include "autodiff/op.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"
