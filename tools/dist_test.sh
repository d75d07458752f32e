#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE [test.py args...]
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

# CPU processes (no NVIDIA GPU): split this node's cores between the
# processes (torchrun would set OMP_NUM_THREADS=1 for every process, which
# leaves cores idle when there are more cores than processes). Set
# OMP_NUM_THREADS yourself to override (docs/distributed.md).
if [ -z "${OMP_NUM_THREADS}" ] && ! nvidia-smi -L >/dev/null 2>&1; then
    CORES=$(nproc)
    THREADS=$(( CORES / GPUS ))
    export OMP_NUM_THREADS=$(( THREADS > 0 ? THREADS : 1 ))
    echo "dist: no GPU; ${GPUS} CPU processes x OMP_NUM_THREADS=${OMP_NUM_THREADS} on ${CORES} cores"
fi

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
