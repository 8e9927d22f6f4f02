#!/bin/bash
# Start-up of the command line: wall-clock medians of `zhicheng ARGS` for source trees given as
# arguments (e.g. `git archive REV | tar -x -C DIR` of each revision), run in turn in the same loop,
# beside a bare `python -c "import click"`. Usage: bench/cli_startup.sh DIR... (N=15 by default).
PY=${PY:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python}; N=${N:-15}
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { local s e; s=$(date +%s%N); (cd /tmp && PYTHONPATH=$1 $PY -c "from zhicheng.cli import main; main()" "${@:2}" >/dev/null 2>&1); e=$(date +%s%N); echo $(( (e-s)/1000000 )); }
bare() { local s e; s=$(date +%s%N); (cd /tmp && $PY -c "import click" >/dev/null 2>&1); e=$(date +%s%N); echo $(( (e-s)/1000000 )); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for args in "--help" "status --help" "units --help"; do
  line="zhicheng $args:"
  for i in $(seq $N); do
    n=0; for tree in "$@"; do one "$tree" $args >> "$tmp/$n"; n=$((n + 1)); done; bare >> "$tmp/bare"
  done
  n=0; for tree in "$@"; do line="$line $(basename "$tree") $(med < "$tmp/$n") ms |"; rm "$tmp/$n"; n=$((n + 1)); done
  echo "$line bare import click $(med < "$tmp/bare") ms"; rm "$tmp/bare"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
