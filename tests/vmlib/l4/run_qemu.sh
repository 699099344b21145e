#!/bin/sh
# Runs an l4 guest on the oracle machine of i386-platform.md, or on vmsim's ISS, and checks it:
#   run_qemu.sh GUEST.elf EXPECTED_LINE...
#   run_qemu.sh --iss X86_PC_RUN GUEST.elf EXPECTED_LINE...   (vmsim's i386 platform; x86_pc_run
#                                                               exits as qemu does)
# Passes when qemu exits with status 1 (the guest wrote 0 to the exit port: (0 << 1) | 1), every
# expected line appears on COM1 exactly as given, and no line starts with "FAIL".
# Exits 77 (ctest SKIP_RETURN_CODE) when qemu-system-i386 is not installed.
set -u
iss=""
if [ "$1" = "--iss" ]; then
    iss=$2
    shift 2
fi
elf=$1
shift
if [ -n "$iss" ]; then
    # An instruction limit far above any test's need (the longest, task, takes about 41 million).
    out=$(timeout 120 "$iss" "$elf" 4000000000 </dev/null 2>&1)
    status=$?
else
    qemu=$(command -v qemu-system-i386) || { echo "qemu-system-i386 not found: skipped"; exit 77; }
    out=$(timeout 60 "$qemu" -cpu pentium -m 32 -display none -serial stdio -monitor none -no-reboot \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$elf" </dev/null 2>&1)
    status=$?
fi
printf '%s\n' "$out"
fail=0
if [ "$status" -ne 1 ]; then
    echo "run_qemu: exit status $status, expected 1 (guest exit 0)"
    fail=1
fi
for line in "$@"; do
    if ! printf '%s\n' "$out" | grep -qxF -- "$line"; then
        echo "run_qemu: missing line: $line"
        fail=1
    fi
done
if printf '%s\n' "$out" | grep -q '^FAIL'; then
    echo "run_qemu: a check failed"
    fail=1
fi
exit $fail
