# Sanitizer and fuzzing builds (fuzz/README.md).
#
# WARDEN_SANITIZE=address,undefined builds every project target (libraries,
# apps, tests, examples) with those sanitizers. UBSan findings abort
# (-fno-sanitize-recover), so that a test that hits one fails. jemalloc is
# not linked: ASan must own malloc to see heap errors.
#
# WARDEN_FUZZ=ON (clang only) also builds the libFuzzer targets of fuzz/ and
# compiles the project's libraries with coverage instrumentation
# (-fsanitize=fuzzer-no-link), so that the fuzzers see which branches of the
# code under test an input reaches. The same build then serves the sanitizer
# test suite and the fuzzers: one build instead of two.

set(WARDEN_SANITIZE "" CACHE STRING
    "Sanitizers for every target, comma-separated: address, undefined")
option(WARDEN_FUZZ "Build the libFuzzer targets of fuzz/ (clang only)" OFF)

# The flags a program linking a sanitized Warden needs (warden::runtime
# carries them, so that find_package users link the sanitizer runtimes).
set(WARDEN_SANITIZE_FLAGS "")

if(WARDEN_SANITIZE)
  # clang alone reads the ignore list below (GCC 12 has no
  # -fsanitize-ignorelist), and libFuzzer is clang's.
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "WARDEN_SANITIZE needs clang, not "
                        "${CMAKE_CXX_COMPILER_ID}: configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  string(REPLACE "," ";" _sanitizers "${WARDEN_SANITIZE}")
  foreach(_sanitizer IN LISTS _sanitizers)
    if(NOT _sanitizer MATCHES "^(address|undefined)$")
      message(FATAL_ERROR "WARDEN_SANITIZE: unknown sanitizer "
                          "`${_sanitizer}` (allowed: address, undefined)")
    endif()
  endforeach()
  set(WARDEN_SANITIZE_FLAGS -fsanitize=${WARDEN_SANITIZE})
  if("undefined" IN_LIST _sanitizers)
    list(APPEND WARDEN_SANITIZE_FLAGS -fno-sanitize-recover=undefined)
  endif()
  # Frame pointers give ASan's fast unwinder whole stacks. The ignore list
  # drops checks from proven third-party false positives, each explained
  # there.
  add_compile_options(
    ${WARDEN_SANITIZE_FLAGS} -fno-omit-frame-pointer
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/sanitizers/ignorelist.txt)
  add_link_options(${WARDEN_SANITIZE_FLAGS})
  message(STATUS "Sanitizers: ${WARDEN_SANITIZE} (jemalloc and benchmarks "
                 "left out)")
endif()

if(WARDEN_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "WARDEN_FUZZ needs clang (libFuzzer), not "
                      "${CMAKE_CXX_COMPILER_ID}: configure with "
                      "-DCMAKE_CXX_COMPILER=clang++-14")
endif()

# warden_instrument_for_fuzzing(TARGET): coverage instrumentation of a
# library the fuzzers exercise; nothing unless WARDEN_FUZZ is on. The
# sanitizer runtimes define the coverage callbacks as no-ops, so the tests and
# apps linking the library still link; without a sanitizer, the programs that
# link it take libFuzzer's runtime without its main().
function(warden_instrument_for_fuzzing target)
  if(WARDEN_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    if(NOT WARDEN_SANITIZE)
      target_link_options(${target} INTERFACE -fsanitize=fuzzer-no-link)
    endif()
  endif()
endfunction()

# In a sanitizer build, every CTest entry gets the sanitizer options and a
# directory for reports, and two entries run around them: sanitizers.clear
# (removes old reports first) and sanitizers.reports (fails, printing them,
# when any process wrote one). Reports go to files because process-level
# tests keep a node's stderr to themselves: a finding in wardend must fail
# the run all the same.
set(WARDEN_SANITIZER_REPORTS ${PROJECT_BINARY_DIR}/sanitizer-reports)
# detect_leaks: LeakSanitizer at every exit; halt_on_error (and
# -fno-sanitize-recover): the first finding ends the process.
set(WARDEN_SANITIZER_ENVIRONMENT
    "ASAN_OPTIONS=log_path=${WARDEN_SANITIZER_REPORTS}/report:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:halt_on_error=1"
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=log_path=${WARDEN_SANITIZER_REPORTS}/report:print_stacktrace=1:halt_on_error=1:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/ubsan.supp")

# warden_sanitize_tests(TEST...): the sanitizer environment, the report
# check and three times the time bound for tests of the current directory
# (CMake 3.25 sets test properties only there); nothing outside sanitizer
# builds.
function(warden_sanitize_tests)
  if(NOT WARDEN_SANITIZE)
    return()
  endif()
  foreach(test IN LISTS ARGN)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
                                              ${WARDEN_SANITIZER_ENVIRONMENT})
    # Sanitized programs run two to three times slower, and the process
    # tests start a sanitized wardenctl hundreds of times: their bounds
    # triple.
    get_test_property(${test} TIMEOUT timeout)
    if(timeout)
      math(EXPR timeout "${timeout} * 3")
      set_tests_properties(${test} PROPERTIES TIMEOUT ${timeout})
    endif()
    set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED
                                              sanitizer_reports)
  endforeach()
endfunction()

# warden_sanitize_directory_tests(): warden_sanitize_tests for every test of
# the current directory. Call once, at its end.
function(warden_sanitize_directory_tests)
  get_property(tests DIRECTORY PROPERTY TESTS)
  warden_sanitize_tests(${tests})
endfunction()

# warden_add_sanitizer_report_tests(): adds sanitizers.clear and
# sanitizers.reports (see above). Call once, in the top directory.
function(warden_add_sanitizer_report_tests)
  if(NOT WARDEN_SANITIZE OR NOT WARDEN_BUILD_TESTS)
    return()
  endif()
  add_test(NAME sanitizers.clear
           COMMAND ${CMAKE_COMMAND} -E rm -rf ${WARDEN_SANITIZER_REPORTS})
  set_tests_properties(sanitizers.clear PROPERTIES FIXTURES_SETUP
                                                   sanitizer_reports)
  add_test(NAME sanitizers.reports
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/sanitizers/check_reports.sh
                   ${WARDEN_SANITIZER_REPORTS})
  set_tests_properties(sanitizers.reports PROPERTIES FIXTURES_CLEANUP
                                                     sanitizer_reports)
endfunction()
