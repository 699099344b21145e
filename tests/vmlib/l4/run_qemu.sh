#!/bin/sh
# Runs an l4 guest on the oracle machine of i386-platform.md and checks it:
#   run_qemu.sh GUEST.elf EXPECTED_LINE...
# Passes when qemu exits with status 1 (the guest wrote 0 to the exit port: (0 << 1) | 1), every
# expected line appears on COM1 exactly as given, and no line starts with "FAIL".
# Exits 77 (ctest SKIP_RETURN_CODE) when qemu-system-i386 is not installed.
set -u
elf=$1
shift
qemu=$(command -v qemu-system-i386) || { echo "qemu-system-i386 not found: skipped"; exit 77; }
out=$(timeout 60 "$qemu" -cpu pentium -m 32 -display none -serial stdio -monitor none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$elf" </dev/null 2>&1)
status=$?
printf '%s\n' "$out"
fail=0
if [ "$status" -ne 1 ]; then
    echo "run_qemu: qemu exit status $status, expected 1 (guest exit 0)"
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
