# Post-link check of a MIPS guest ELF (run by add_mips_guest with cmake -P):
# the image must be plain MIPS-I without floating point, i.e. something an
# R3000 without an FPU can execute. Catches, in particular, members of
# Debian's libgcc.a (built for MIPS32r2, hard-float) pulled in by the link.
#
#   cmake -DELF=x.elf -DOBJDUMP=... -DREADELF=... -P check_isa.cmake
#
# On failure the ELF is deleted, so the next build links it again.
foreach(var ELF OBJDUMP READELF)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_isa.cmake: ${var} not set")
  endif()
endforeach()

function(reject reason)
  file(REMOVE "${ELF}")
  message(FATAL_ERROR "${ELF}: ${reason}\n"
    "vmsim guests must be MIPS-I (R3000) code without floating point. If the "
    "offending code comes from libgcc (e.g. __clzsi2, __adddf3), avoid the C "
    "construct that needs it or provide a MIPS-I implementation in the program.")
endfunction()

# 1. ELF header: the linker marks the image with the highest ISA of its inputs.
execute_process(COMMAND "${READELF}" -h "${ELF}"
  OUTPUT_VARIABLE header RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  reject("readelf failed")
endif()
string(REGEX MATCH "Flags:[^\n]*" flags "${header}")
if(NOT flags MATCHES ", mips1(,|$)")
  reject("not a MIPS-I image (${flags})")
endif()
if(flags MATCHES "pic")
  reject("contains position-independent (abicalls) code (${flags})")
endif()

# 2. Instructions: disassembled as MIPS-I, anything newer shows up as .word
#    (mul, movn, clz, seb, teq, beql, ...), lwc0/swc0 (ll/sc), and FPU
#    instructions contain "c1" (mtc1, lwc1, bc1t) or a format suffix (add.d).
execute_process(COMMAND "${OBJDUMP}" -d --no-show-raw-insn "${ELF}"
  OUTPUT_VARIABLE disasm RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  reject("objdump failed")
endif()
string(REGEX MATCHALL "\n[ ]*[0-9a-f]+:\t(\\.word|lwc0|swc0|[a-z0-9]*c1[a-z]*|[a-z0-9]+\\.[a-z.]+)[\t\n][^\n]*"
       bad "${disasm}")
if(bad)
  list(LENGTH bad count)
  list(SUBLIST bad 0 10 shown)
  string(REPLACE ";" "" shown "${shown}")
  reject("${count} instruction(s) an R3000 cannot execute, e.g.:${shown}")
endif()
