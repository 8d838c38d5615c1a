# Helpers shared by the module CMakeLists.

# satfence_test(NAME name SOURCES ... LIBS ... [LABELS ...])
# One GoogleTest binary registered with CTest; every test gets the label `unit`
# plus the given ones. Tests see the reference data folder as SATFENCE_TESTDATA_DIR.
function(satfence_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE
      SATFENCE_TESTDATA_DIR="${SATFENCE_TESTDATA_DIR}"
      SATFENCE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}")
endfunction()

# satfence_benchmark(NAME name SOURCES ... LIBS ...)
# A Google Benchmark binary. CTest runs it once with a tiny time budget (label `bench`)
# so CI notices when a benchmark stops building or running; real figures come from
# running the binary from the release build by hand (see CONTRIBUTING.md).
function(satfence_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark)
  target_compile_definitions(${B_NAME} PRIVATE SATFENCE_TESTDATA_DIR="${SATFENCE_TESTDATA_DIR}")
  add_test(NAME ${B_NAME}_smoke COMMAND ${B_NAME} --benchmark_min_time=0.001 --smoke)
  set_tests_properties(${B_NAME}_smoke PROPERTIES LABELS "bench")
endfunction()

# satfence_uses_s2(target [SOURCES files...])
# Debian's libs2 is built against abseil without sanitizers. Under AddressSanitizer abseil
# changes the layout of its btree (ABSL_BTREE_ENABLE_GENERATIONS), and the S2 index
# templates instantiated in our code would then disagree with the library about it (a
# hang inside MutableS2ShapeIndex, seen here). Code that includes S2 headers is therefore
# built without ASan; UBSan stays on, and everything else keeps both.
function(satfence_uses_s2 target)
  cmake_parse_arguments(U "" "" "SOURCES" ${ARGN})
  if(NOT SATFENCE_SANITIZE)
    return()
  endif()
  if(U_SOURCES)
    set_source_files_properties(${U_SOURCES} TARGET_DIRECTORY ${target}
                                PROPERTIES COMPILE_OPTIONS "-fno-sanitize=address")
  else()
    target_compile_options(${target} PRIVATE -fno-sanitize=address)
  endif()
endfunction()
