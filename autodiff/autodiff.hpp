// The engine in one include: the tape, the active scalar and its operations.
#pragma once

#include "autodiff/error.hpp"
#include "autodiff/op.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"
