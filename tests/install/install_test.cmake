# Installs autodiff into a scratch prefix, then configures, builds and runs a consumer project
# that does find_package(autodiff) against it (cmake -P, called by tests/install/CMakeLists.txt):
#   MODE=core  configures the sources with the core alone while Boost, nlohmann-json, CLI11 and
#              GoogleTest cannot be found, which proves none is needed; builds and installs it;
#              runs a consumer of autodiff::autodiff, with those packages unfindable too; and
#              checks that a consumer asking for the parts it lacks fails, saying so.
#   MODE=full  installs this build and runs a consumer of graph, expression and nn; the core's
#              consumer too, with the parts' dependencies unfindable (only the parts it does
#              not ask for need them); and checks that asking for graph without Boost fails,
#              saying so.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# A sanitized library needs a sanitized program to link with.
set(flags "")
if(SANITIZE)
  set(flags -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined
            -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()
set(consumer_configure ${CMAKE_COMMAND} -B ${WORK_DIR}/consumer -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release ${flags})
set(no_dependencies -DCMAKE_DISABLE_FIND_PACKAGE_Boost=TRUE
    -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=TRUE -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=TRUE
    -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE)

# Builds and runs the consumer in consumer/<name>; what it prints is left in `output`.
function(consume name)
  file(REMOVE_RECURSE ${WORK_DIR}/consumer)
  run(${consumer_configure} -S ${SOURCE_DIR}/tests/install/consumer/${name} ${ARGN})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
  run(${WORK_DIR}/consumer/consumer)
  set(output "${out}" PARENT_SCOPE)
  message(STATUS "consumer/${name} printed:\n${out}")
endfunction()

# The core's consumer, with the parts' dependencies unfindable: d/dx (x² + 3x) at 2 is 2x + 3 = 7.
function(consume_core)
  consume(core ${no_dependencies})
  if(NOT output STREQUAL "7\n")
    message(FATAL_ERROR "unexpected output: ${output}")
  endif()
endfunction()

# Configuring the consumer in consumer/<name> must fail, with `expected` in the message.
function(refused name expected)
  file(REMOVE_RECURSE ${WORK_DIR}/consumer)
  execute_process(COMMAND ${consumer_configure} -S ${SOURCE_DIR}/tests/install/consumer/${name}
                  ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REGEX REPLACE "[ \n]+" " " message "${out}")  # CMake wraps the package's message
  string(FIND "${message}" "${expected}" at)
  if(status EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "expected the consumer to fail with \"${expected}\":\n${out}")
  endif()
endfunction()

if(MODE STREQUAL "core")
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_BUILD_TYPE=Release -DAUTODIFF_SANITIZE=${SANITIZE} -DAUTODIFF_COMPONENTS=core
      ${no_dependencies})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build --parallel 2)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/build --prefix ${WORK_DIR}/prefix)
  foreach(absent include/autodiff/graph include/autodiff/expression include/nn bin)
    if(EXISTS ${WORK_DIR}/prefix/${absent})
      message(FATAL_ERROR "the core alone installed ${absent}")
    endif()
  endforeach()
  consume_core()
  refused(full "Not installed: graph expression nn (this installation has: core)"
          ${no_dependencies})
elseif(MODE STREQUAL "full")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  consume(full)
  # graph: y = x·x + 3x has two paths to x (x·x's two uses are one), their sum is 2x + 3 = 7 at 2.
  # expression: d/dx x·sin(x) = sin x + x·cos x = 0.841471 + 0.540302 at x = 1.
  # nn: E = ½(w·x − t)², dE/dw = (w·x − t)·x = (0.5·3 − 1)·3 = 1.5.
  if(NOT output STREQUAL "graph: 2 paths, sum 7\nexpression: 1.381773\nnn: 1.5\n")
    message(FATAL_ERROR "unexpected output: ${output}")
  endif()
  consume_core()
  refused(full "The component graph needs Boost 1.74 COMPONENTS graph, which was not found"
          -DCMAKE_DISABLE_FIND_PACKAGE_Boost=TRUE)
  # The program is not a library: asking for it is a typo, said as such with the real names.
  refused(full "No such component: cli (the components are core, graph, expression and nn)"
          -DEXTRA_COMPONENTS=cli)
else()
  message(FATAL_ERROR "MODE must be core or full, not '${MODE}'")
endif()
