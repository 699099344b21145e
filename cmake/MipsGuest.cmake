# Building MIPS R3000 guest programs (bare-metal ELF images run by vmsim).
#
#   add_mips_guest(<name>
#                  SOURCES <src>...            C (.c) and assembly (.S) files
#                  [NO_RUNTIME]                do not link crt0/vectors/libc
#                  [LINKER_SCRIPT <file>]      default: workloads/runtime/link.ld
#                  [INCLUDE_DIRS <dir>...]
#                  [DEFINES <NAME[=value]>...]
#                  [COMPILE_OPTIONS <opt>...]) extra compiler flags, after the defaults
#
# Produces ${CMAKE_CURRENT_BINARY_DIR}/<name>.elf (and <name>.map) through a
# custom target <name> that is part of ALL. The ELF path is the target
# property ELF_FILE:   $<TARGET_PROPERTY:<name>,ELF_FILE>
# Every guest gets the include directories vmlib/include (vmsim/memmap.h) and
# workloads/runtime (vmsim.h, stdio.h, string.h). See workloads/README.md.
#
#   mips_guest_embeddable(<guest> <out-var>)
#
# For a kernel image that embeds a program (.incbin): the path of a copy of the
# guest's ELF without symbols and debug information. The kernel loads the same
# segments from it, and the image no longer depends on where the source and build
# trees are: debug information and file symbols hold absolute paths, and the
# embedded file's size moves the kernel's own data (and so the cache behaviour).
#
#   target_guest_elf_definitions(<target> <guest>...)
#
# For a host program (a test) that boots guest images: defines
# <GUEST>_ELF="<the guest's ELF path>" for each guest target (upper-cased:
# hello -> HELLO_ELF, aegis_appel -> AEGIS_APPEL_ELF) and builds the guests first.
include_guard(GLOBAL)

set(MIPS_GUEST_ROOT "${CMAKE_CURRENT_LIST_DIR}/..")
get_filename_component(MIPS_GUEST_ROOT "${MIPS_GUEST_ROOT}" ABSOLUTE)
set(MIPS_GUEST_RUNTIME_DIR "${MIPS_GUEST_ROOT}/workloads/runtime")

foreach(tool gcc ar objdump readelf objcopy)
  string(TOUPPER "MIPS_GUEST_${tool}" var)
  find_program(${var} mipsel-linux-gnu-${tool})
  if(NOT ${var})
    message(FATAL_ERROR
      "mipsel-linux-gnu-${tool} not found: the MIPS guest programs need the cross "
      "toolchain (Debian packages gcc-mipsel-linux-gnu binutils-mipsel-linux-gnu). "
      "Run scripts/install-deps.sh, or set -D${var}=/path/to/mipsel-linux-gnu-${tool}.")
  endif()
endforeach()

# The target is an R3000: MIPS-I, no FPU, not PIC, no small-data section.
set(MIPS_GUEST_CFLAGS
  -march=r3000 -mfp32 -msoft-float -mno-abicalls -fno-pic -G0
  -ffreestanding -nostdlib -O2 -g -Wall -Wextra)
set(MIPS_GUEST_LDFLAGS -static -no-pie -Wl,--build-id=none)
set(MIPS_GUEST_DEFAULT_INCLUDE_DIRS
  "${MIPS_GUEST_ROOT}/vmlib/include" "${MIPS_GUEST_RUNTIME_DIR}")

# _mips_guest_compile(<out-var> <objdir> <flags-list-var> <src>...)
# One custom command per source, with a gcc depfile so header edits rebuild.
function(_mips_guest_compile out_var objdir flags_var)
  set(objs "")
  set(index 0)
  foreach(src IN LISTS ARGN)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(base "${src}" NAME)
    set(obj "${objdir}/${index}_${base}.o")
    file(RELATIVE_PATH rel "${MIPS_GUEST_ROOT}" "${src}")
    add_custom_command(
      OUTPUT "${obj}"
      COMMAND "${MIPS_GUEST_GCC}" ${${flags_var}} -MMD -MF "${obj}.d" -MT "${obj}"
              -c "${src}" -o "${obj}"
      DEPENDS "${src}"
      DEPFILE "${obj}.d"
      COMMENT "MIPS guest: compiling ${rel}"
      VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND objs "${obj}")
    math(EXPR index "${index} + 1")
  endforeach()
  set(${out_var} "${objs}" PARENT_SCOPE)
endfunction()

# The runtime (workloads/runtime), built once: crt0.o plus an archive. Each
# vector and the default C handler are separate archive members, so a program
# that defines vmsim_utlb_vector, vmsim_general_vector or vmsim_exception
# itself simply does not pull in the default.
function(_mips_guest_add_runtime)
  set(dir "${CMAKE_BINARY_DIR}/mips-guest-runtime")
  set(flags ${MIPS_GUEST_CFLAGS})
  foreach(inc IN LISTS MIPS_GUEST_DEFAULT_INCLUDE_DIRS)
    list(APPEND flags "-I${inc}")
  endforeach()
  set(rt "${MIPS_GUEST_RUNTIME_DIR}")
  _mips_guest_compile(crt0 "${dir}" flags "${rt}/crt0.S")
  _mips_guest_compile(members "${dir}/lib" flags
    "${rt}/vector_utlb.S" "${rt}/vector_general.S" "${rt}/exception.S"
    "${rt}/exception_default.c" "${rt}/exit.c" "${rt}/stdio.c" "${rt}/printf.c" "${rt}/format.c"
    "${rt}/string.c" "${rt}/div64.c")
  set(archive "${dir}/libvmsim_guest.a")
  add_custom_command(
    OUTPUT "${archive}"
    COMMAND "${CMAKE_COMMAND}" -E rm -f "${archive}"
    COMMAND "${MIPS_GUEST_AR}" rcs "${archive}" ${members}
    DEPENDS ${members}
    COMMENT "MIPS guest: archiving the runtime"
    VERBATIM)
  add_custom_target(mips_guest_runtime DEPENDS "${archive}" ${crt0})
  set_property(GLOBAL PROPERTY MIPS_GUEST_RUNTIME_CRT0 "${crt0}")
  set_property(GLOBAL PROPERTY MIPS_GUEST_RUNTIME_ARCHIVE "${archive}")
endfunction()
_mips_guest_add_runtime()

function(add_mips_guest NAME)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_RUNTIME" "LINKER_SCRIPT"
                        "SOURCES;INCLUDE_DIRS;DEFINES;COMPILE_OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_mips_guest(${NAME}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "add_mips_guest(${NAME}): SOURCES is required")
  endif()
  set(script "${MIPS_GUEST_RUNTIME_DIR}/link.ld")
  if(ARG_LINKER_SCRIPT)
    get_filename_component(script "${ARG_LINKER_SCRIPT}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()

  set(flags ${MIPS_GUEST_CFLAGS})
  foreach(inc IN LISTS ARG_INCLUDE_DIRS MIPS_GUEST_DEFAULT_INCLUDE_DIRS)
    get_filename_component(inc "${inc}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND flags "-I${inc}")
  endforeach()
  foreach(def IN LISTS ARG_DEFINES)
    list(APPEND flags "-D${def}")
  endforeach()
  list(APPEND flags ${ARG_COMPILE_OPTIONS})

  _mips_guest_compile(objs "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.dir" flags ${ARG_SOURCES})

  set(elf "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.elf")
  set(inputs ${objs})
  set(deps ${objs} "${script}" "${MIPS_GUEST_RUNTIME_DIR}/check_isa.cmake")
  set(undefs "")
  if(NOT ARG_NO_RUNTIME)
    get_property(crt0 GLOBAL PROPERTY MIPS_GUEST_RUNTIME_CRT0)
    get_property(archive GLOBAL PROPERTY MIPS_GUEST_RUNTIME_ARCHIVE)
    set(inputs "${crt0}" ${objs} "${archive}")
    list(APPEND deps "${crt0}" "${archive}")
    # Pull the default vectors out of the archive unless the program has its own.
    set(undefs -Wl,-u,vmsim_utlb_vector -Wl,-u,vmsim_general_vector)
  endif()

  add_custom_command(
    OUTPUT "${elf}"
    BYPRODUCTS "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.map"
    COMMAND "${MIPS_GUEST_GCC}" ${flags} ${MIPS_GUEST_LDFLAGS} -T "${script}" ${undefs}
            "-Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${NAME}.map"
            -o "${elf}" ${inputs} -lgcc
    COMMAND "${CMAKE_COMMAND}" "-DELF=${elf}" "-DOBJDUMP=${MIPS_GUEST_OBJDUMP}"
            "-DREADELF=${MIPS_GUEST_READELF}" -P "${MIPS_GUEST_RUNTIME_DIR}/check_isa.cmake"
    DEPENDS ${deps}
    COMMENT "MIPS guest: linking ${NAME}.elf"
    VERBATIM COMMAND_EXPAND_LISTS)

  add_custom_target(${NAME} ALL DEPENDS "${elf}")
  if(NOT ARG_NO_RUNTIME)
    add_dependencies(${NAME} mips_guest_runtime)
  endif()
  set_target_properties(${NAME} PROPERTIES ELF_FILE "${elf}" MIPS_GUEST TRUE)
endfunction()

function(target_guest_elf_definitions TARGET)
  foreach(guest IN LISTS ARGN)
    string(TOUPPER "${guest}_ELF" def)
    target_compile_definitions(${TARGET} PRIVATE "${def}=\"$<TARGET_PROPERTY:${guest},ELF_FILE>\"")
  endforeach()
  if(ARGN)
    add_dependencies(${TARGET} ${ARGN})
  endif()
endfunction()

function(mips_guest_embeddable GUEST OUT_VAR)
  get_target_property(elf ${GUEST} ELF_FILE)
  string(REGEX REPLACE "\\.elf$" ".embed.elf" embed "${elf}")
  add_custom_command(
    OUTPUT "${embed}"
    COMMAND "${MIPS_GUEST_OBJCOPY}" --strip-all "${elf}" "${embed}"
    DEPENDS "${elf}"
    COMMENT "MIPS guest: ${GUEST} without symbols, to embed"
    VERBATIM)
  set(${OUT_VAR} "${embed}" PARENT_SCOPE)
endfunction()
