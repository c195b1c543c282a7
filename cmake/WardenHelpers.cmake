# Helpers shared by Warden's CMake files.

# Warnings are errors on project code only (never on third-party headers, which
# come in through -isystem).
set(WARDEN_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                    -Wconversion -Wno-sign-conversion -Werror)

# warden_add_library(NAME SOURCES ... [DEPENDS ...])
# One static library per top-level folder; the project root is the include root
# (`#include "policies/clock.hpp"`).
function(warden_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  add_library(warden::${name} ALIAS ${name})
  # Inside the project, headers include each other as "folder/file.hpp";
  # programs using Warden write <warden/folder/file.hpp>, in the build tree
  # (through the link below) and installed alike.
  target_include_directories(
    ${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                   $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
                   $<INSTALL_INTERFACE:include/warden>
                   $<INSTALL_INTERFACE:include>)
  target_compile_options(${name} PRIVATE ${WARDEN_WARNINGS})
  warden_instrument_for_fuzzing(${name})
  target_compile_features(${name} PUBLIC cxx_std_17)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                           OUTPUT_NAME warden_${name})
  if(ARG_DEPENDS)
    target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
  endif()
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${name})
  install(TARGETS ${name} EXPORT warden-targets
          ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
  # Headers keep their folder: <prefix>/include/warden/<folder>/<file>.hpp.
  file(RELATIVE_PATH _folder ${PROJECT_SOURCE_DIR}
       ${CMAKE_CURRENT_SOURCE_DIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/
          DESTINATION include/warden/${_folder}
          FILES_MATCHING PATTERN "*.hpp")
endfunction()

# warden_add_test_suites(BINARY SOURCES ... LIBS ... SUITES ...)
# Builds one test binary from CAF-test suite files and registers one CTest
# entry per suite, so that an abort in one suite hides nothing in another.
# An entry that runs no test at all fails (a misspelt suite name cannot pass).
function(warden_add_test_suites binary)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;SUITES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${binary} ${ARG_SOURCES})
  target_link_libraries(${binary} PRIVATE warden_test_main ${ARG_LIBS})
  # CAF's test macros trip -Wconversion and -Wshadow; tests keep the rest.
  # Keep -Wdangling-pointer: CAF_CHECK_EQUAL(*make_optional(), x) really does
  # read a dead temporary.
  target_compile_options(${binary} PRIVATE -Wall -Wextra -Werror)
  foreach(suite IN LISTS ARG_SUITES)
    # CAF's runner reads -s as a regular expression, except when clang
    # builds it against libstdc++: then it takes exact names (CAF deems
    # std::regex broken there).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      set(pattern "${suite}")
    else()
      set(pattern "^${suite}$")
    endif()
    add_test(NAME ${suite}
             COMMAND ${binary} -n -v 4 -r ${ARG_TIMEOUT} -s "${pattern}")
    set_tests_properties(
      ${suite} PROPERTIES TIMEOUT ${ARG_TIMEOUT} FAIL_REGULAR_EXPRESSION
                          "tests: +0\n")
    warden_sanitize_tests(${suite})
  endforeach()
endfunction()
