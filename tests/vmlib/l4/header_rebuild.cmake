# A changed header must rebuild every l4 guest object that includes it, whatever the generator.
#   cmake -DL4_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=...] -P header_rebuild.cmake
# Builds a one-file guest (add_l4_guest) whose only symbol name comes from a header in its
# INCLUDE_DIRS, changes the header and builds again: the image must then carry the new name.
# Guards against dependency tracking that some generators ignore (IMPLICIT_DEPENDS under Ninja
# left test objects with an old l4test.h while l4test.c had the new one).
foreach(var L4_SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "header_rebuild.cmake: ${var} not set")
  endif()
endforeach()
set(src "${WORK_DIR}/src")
set(bin "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(WRITE "${src}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.20)
project(l4_header_rebuild NONE)
add_subdirectory(\"${L4_SOURCE_DIR}\" l4)
add_l4_guest(probe SOURCES probe.c INCLUDE_DIRS \"\${CMAKE_CURRENT_SOURCE_DIR}/inc\")
")
file(WRITE "${src}/probe.c" "#include \"probe.h\"
int PROBE_NAME = 1;
int main(void) { return PROBE_NAME - 1; }
")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}):\n${out}")
  endif()
endfunction()

# Builds the probe with PROBE_NAME = name and requires that symbol (and not `stale`) in the image.
function(build_with name stale)
  file(WRITE "${src}/inc/probe.h" "#define PROBE_NAME ${name}\n")
  run("${CMAKE_COMMAND}" --build "${bin}" --target l4_guest_probe)
  file(STRINGS "${bin}/probe.elf" found REGEX "^(${name}|${stale})$")
  if(NOT found STREQUAL name)
    message(FATAL_ERROR "probe.elf has symbol(s) '${found}' after probe.h defined ${name}: "
                        "the object including probe.h was not rebuilt")
  endif()
endfunction()

set(configure "${CMAKE_COMMAND}" -S "${src}" -B "${bin}" -G "${GENERATOR}")
if(MAKE_PROGRAM)
  list(APPEND configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
run(${configure})
build_with(probe_symbol_first probe_symbol_second)
build_with(probe_symbol_second probe_symbol_first)
message(STATUS "l4 guest objects are rebuilt when an included header changes")
