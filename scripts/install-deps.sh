#!/usr/bin/env bash
# Installs the Debian packages vmsim needs, skipping those already present.
# Idempotent; uses sudo when not root. Debian bookworm package names.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libsystemc-dev            # SystemC 2.3.4 (found through systemc.pc)
  libboost-program-options-dev
  libfmt-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  gcc-mipsel-linux-gnu binutils-mipsel-linux-gnu   # guest cross toolchain
  libunicorn-dev            # test-only: differential ISS test
  qemu-system-x86           # test-only: qemu-system-i386, the oracle of the i386 platform and guests (x86_pc_tests, tests/vmlib)
  clang libfuzzer-14-dev    # `make fuzz` only: libFuzzer targets (fuzz/)
  gnuplot-nox               # vmsim plot (and plots in sweep files): SVG and PNG
  zlib1g-dev liblzma-dev    # gzip and xz compressed traces (sim/trace/)
  valgrind                  # test-only: lackey traces of real programs (tests/sim/trace)
  slurmctld slurmd slurm-client munge   # test-only: a one-node Slurm (scripts/slurm-local.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The Slurm tests start daemons of their own (scripts/slurm-local.sh): the distribution's
# munge, slurmctld and slurmd services must not start when their packages install. A
# policy-rc.d that answers 101 ("action forbidden", invoke-rc.d(8)) stops the packages'
# scripts from starting them; one already there (as in containers) is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# install-deps.sh: no service starts while packages install\nexit 101\n' |
    $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
