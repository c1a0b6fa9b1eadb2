#!/usr/bin/env bash
# The GPU rows of RESULTS.md, run from the repository root on a lent GPU machine.
#
# The machine has JAX with CUDA but no network: the pure-Python packages brmsjax needs beyond its
# image (lark, interegular, arviz and two of its dependencies, numpyro 0.22, matplotlib 3.10) travel
# as wheels in .whl/ (see the device tool's notes); brmsjax itself is installed from the tree.
# Every step appends to $OUT (results survive a time limit); each is capped by `timeout`.
#
#   bash benchmarks/run_device.sh [steps...]     # default: smoke gauss grad bern
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --target /tmp/bj . \
    >/dev/null || exit 1
export PYTHONPATH=/tmp/bj:${PYTHONPATH:-}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/log.txt"

step() {
    local limit=$1; shift
    echo "== $(date +%T) $*" | tee -a "$OUT/log.txt"
    timeout "$limit" "$@" 2>&1 | grep -v "^WARNING: All log messages" | tee -a "$OUT/log.txt"
}
SCALE="python3 benchmarks/bench_scale.py --out $OUT/scale.jsonl"
for s in "${@:-smoke gauss grad bern}"; do
    for t in $s; do
        case $t in
            smoke) step 90 $SCALE --rows 10000 --groups 100 --iter 1000 ;;
            gauss) step 200 $SCALE --rows 1000000 --groups 10000 ;;
            grad) step 90 python3 benchmarks/bench_gradient.py --rows 1000000 --groups 8 10000 \
                      --repeats 20 ;;
            grad32) step 90 python3 benchmarks/bench_gradient.py --rows 1000000 --groups 8 10000 \
                      --repeats 20 --float32 ;;
            bern) step 330 $SCALE --family bernoulli --rows 1000000 --groups 10000 ;;
            hand) step 150 $SCALE --only-handwritten --rows 1000000 --groups 10000 --iter 400 ;;
            big) step 300 $SCALE --rows 10000000 --groups 100000 ;;
            *) echo "unknown step $t" ;;
        esac
    done
done
python3 benchmarks/bench_scale.py --table "$OUT/scale.jsonl" 2>/dev/null | tee "$OUT/table.md"
