// The engine in one include: the tape, the active scalar, its operations, second derivatives,
// replays (ad::Function) and batches on several threads (ad::batch_gradient).
#pragma once

#include "autodiff/batch.hpp"
#include "autodiff/error.hpp"
#include "autodiff/function.hpp"
#include "autodiff/hessian.hpp"
#include "autodiff/op.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"
