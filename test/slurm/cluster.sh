#!/usr/bin/env bash
# A real one-node Slurm cluster on loopback for the tests: four fake GPUs, accounting off, private config.
# Idempotent and safe to call from several test runs at once (a lock; a running cluster is reused).
# Prints the path of its slurm.conf (use it as SLURM_CONF). `cluster.sh stop` shuts it down (and munged, if it
# started it). With AR_SLURM_OWNER set, a start writes it to $D/owner (the test run that started it stops it).
set -euo pipefail
D=${AR_SLURM_DIR:-/tmp/ar-slurm-cluster}
CONF=$D/slurm.conf
mkdir -p "$D"
exec 9>"$D.lock"
flock 9

# Start a daemon holding none of our descriptors: not our lock (fd 9), nor a caller's (`flock FILE cmd` passes its
# locked fd on, and a daemon that kept it would hold the tests' lock for good), nor a caller's pipes.
daemon() {
  (
    for f in /proc/$BASHPID/fd/*; do n=${f##*/}; ((n > 2)) && eval "exec $n>&-" 2>/dev/null; done
    exec "$@" </dev/null >/dev/null 2>&1
  )
}

up() { SLURM_CONF=$CONF timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc|comp)'; }

# wait until the daemons of the pid files are gone (a start right after a stop must not meet the old ones)
gone() {
  for f in slurmctld slurmd; do
    local pid; pid=$(cat "$D/$f.pid" 2>/dev/null) || continue # a daemon that stopped removes its pid file
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$D/$f.pid"
  done
  return 0
}

if [[ ${1:-} == stop ]]; then
  SLURM_CONF=$CONF timeout 10 scontrol shutdown >/dev/null 2>&1 || true
  gone
  if [[ -f $D/munged.ours ]]; then
    pid=$(cat /run/munge/munged.pid 2>/dev/null || true)
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    rm -f "$D/munged.ours"
  fi
  rm -f "$D/owner"
  exit 0
fi
if [[ -f $CONF ]] && up; then echo "$CONF"; exit 0; fi

command -v slurmctld >/dev/null || { echo "slurm-wlm is not installed (apt-get install slurm-wlm munge)" >&2; exit 1; }
# munge authenticates every Slurm message; the package made its key
if ! munge -n </dev/null >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
  daemon munged --force && touch "$D/munged.ours" || true
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
fi

H=$(hostname -s)
mkdir -p "$D/state" "$D/spool" "$D/dev"
for i in 0 1 2 3; do
  # character devices with NVIDIA's major number: Slurm then sets CUDA_VISIBLE_DEVICES as for real GPUs
  [[ -c $D/dev/nvidia$i ]] || { rm -f "$D/dev/nvidia$i"; mknod "$D/dev/nvidia$i" c 195 "$i"; }
done
cat >"$CONF" <<CONF
ClusterName=artest
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=600
KillWait=2
# start a batch job as soon as it is submitted (the default batch_sched_delay=3 holds it up to 3 s): the test
# cluster's own latency, not ours, and the bench measures both apart
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# a license that a test job holds, so that another waits in the queue behind it (Reason=Licenses) with the GPUs free
Licenses=arhold:1
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName=$H NodeAddr=127.0.0.1 CPUs=16 RealMemory=8000 Gres=gpu:4 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
echo "NodeName=$H Name=gpu File=$D/dev/nvidia[0-3]" >"$D/gres.conf"

# a stale controller of an older config: stop it first
SLURM_CONF=$CONF timeout 5 scontrol shutdown >/dev/null 2>&1 || true
gone
[[ -n ${AR_SLURM_OWNER:-} ]] && echo "$AR_SLURM_OWNER" >"$D/owner" || rm -f "$D/owner"
SLURM_CONF=$CONF daemon slurmctld -f "$CONF"
SLURM_CONF=$CONF daemon slurmd -f "$CONF"
for _ in $(seq 150); do up && { echo "$CONF"; exit 0; }; sleep 0.2; done
echo "the test Slurm cluster did not come up; see $D/slurmctld.log and $D/slurmd.log" >&2
exit 1
