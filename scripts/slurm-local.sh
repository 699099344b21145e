#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, all of its state in one directory: for the
# tests of `vmsim sweep --backend slurm` (tests/sim/slurm_test.cpp) and for trying the
# Slurm backend without a cluster.
#
#   scripts/slurm-local.sh start [DIR]   start munged, slurmctld and slurmd with their state
#                                        in DIR (default: a new temporary directory), wait
#                                        until the node is idle, then print
#                                        `export SLURM_CONF=DIR/slurm.conf` (for eval)
#   scripts/slurm-local.sh stop DIR      stop the daemons started in DIR, by their PIDs
#
# The clients (sbatch, squeue, ...) find the cluster through SLURM_CONF; jobs inherit it.
# Ports are chosen free at random, so that several clusters can run at once (ctest -j).
# Needs the Debian packages slurmctld, slurmd, slurm-client and munge
# (scripts/install-deps.sh), and root: slurmd starts each job as its submitting user.
# Every failure is one line on stderr saying what did not start and why, exit status 1;
# whatever had been started by then is stopped.
set -euo pipefail

die() {
    echo "slurm-local: $*" >&2
    exit 1
}

# The last non-empty line of a daemon's log, to say why it did not start.
last_line() {
    [ -s "$1" ] || { echo "no log (see $1)"; return; }
    grep -v '^[[:space:]]*$' "$1" | tail -n 1
}

# Whether process $1 runs (a zombie does not: once this script has exited, its daemons'
# parent is whatever reaps orphans, which may take its time).
alive() {
    [ -r "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z") }' "/proc/$1/stat" 2>/dev/null
}

# Stops every daemon whose PID file is in $dir/pids, slurmd first (it holds jobs), and
# waits until each has gone (SIGKILL after 5 s).
stop_daemons() {
    local dir=$1 name pid
    for name in slurmd slurmctld munged; do
        [ -f "$dir/pids/$name" ] || continue
        pid=$(cat "$dir/pids/$name")
        # The PID is ours only while it still runs the daemon we started from this directory.
        if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir"; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do
                alive "$pid" || break
                sleep 0.1
            done
            alive "$pid" && kill -KILL "$pid" 2>/dev/null
        fi
        rm -f "$dir/pids/$name"
    done
}

# A TCP port that nothing on this machine listens on, chosen at random so that clusters
# started at the same moment do not pick the same one. /proc/net/tcp{,6} lists listening
# sockets (state 0A) with the port in hex.
free_port() {
    local port hex
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        hex=$(printf '%04X' "$port")
        if ! awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

start() {
    local dir=${1:-}
    for tool in munged slurmctld slurmd sinfo; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
            die "$tool is not installed (Debian packages slurmctld slurmd slurm-client munge: scripts/install-deps.sh)"
    done
    export PATH="$PATH:/usr/sbin:/sbin"
    [ "$(id -u)" -eq 0 ] || die "must run as root: slurmd starts each job as its submitting user (running as $(id -un))"
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/slurm-local.XXXXXX")
    else
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
        [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    fi
    trap 'stop_daemons "$dir"' EXIT
    mkdir -p "$dir/pids" "$dir/log" "$dir/ctld" "$dir/spool"
    # munged checks that no one else can read its key or write beside it.
    chmod 755 "$dir"
    mkdir -m 711 "$dir/munge"
    (umask 277 && dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none)
    chmod 400 "$dir/munge/munge.key"

    munged -F --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
        --log-file="$dir/log/munged.log" </dev/null >>"$dir/log/munged.out" 2>&1 &
    echo $! >"$dir/pids/munged"
    for _ in $(seq 50); do
        [ -S "$dir/munge/munge.socket" ] && break
        alive "$(cat "$dir/pids/munged")" ||
            die "munged did not start: $(last_line "$dir/log/munged.out")"
        sleep 0.1
    done
    [ -S "$dir/munge/munge.socket" ] || die "munged made no socket in 5 s: $(last_line "$dir/log/munged.log")"

    # The node as slurmd sees this machine (CPUs, sockets, cores, memory), named localhost.
    local node
    node=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]*//') ||
        die "slurmd -C failed"
    local user ctld_port slurmd_port
    user=$(id -un)
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    [ "$slurmd_port" != "$ctld_port" ] || slurmd_port=$((ctld_port + 1))
    cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster on localhost.
ClusterName=vmsimlocal
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
KillWait=5
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost$node State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -D -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
    echo $! >"$dir/pids/slurmctld"
    slurmd -D -N localhost -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmd.out" 2>&1 &
    echo $! >"$dir/pids/slurmd"

    # Up when sinfo shows the node idle.
    local state="" name
    for _ in $(seq 200); do
        for name in slurmctld slurmd munged; do
            alive "$(cat "$dir/pids/$name")" ||
                die "$name exited: $(last_line "$dir/log/$name.out") (log: $dir/log/$name.log)"
        done
        state=$(sinfo -h -n localhost -o '%T' 2>/dev/null | head -n 1) || true
        [ "$state" = idle ] && break
        sleep 0.1
    done
    [ "$state" = idle ] ||
        die "node localhost not idle after 20 s (sinfo: '${state:-no answer}'): $(last_line "$dir/log/slurmctld.log")"
    trap - EXIT
    echo "export SLURM_CONF=$dir/slurm.conf"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop)
    [ -n "${2:-}" ] || die "usage: slurm-local.sh stop DIR"
    [ -d "$2/pids" ] || die "$2 holds no cluster started by slurm-local.sh"
    stop_daemons "$(cd "$2" && pwd)"
    ;;
*) die "usage: slurm-local.sh start [DIR] | stop DIR" ;;
esac
