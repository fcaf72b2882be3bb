# Prints what the testbed's Hearths and Synapses said last, for a run that
# failed: the next run's `testbed up` starts their logs afresh, and a CI run
# keeps nothing but its output.
print_testbed_logs() {
  local dir="${HEARTH_TESTBED_DIR:-${HEARTH_CACHE:-$HOME/.cache/hearth}/testbed}" log
  for log in "$dir"/*/hearth/hearth.log; do
    [ -f "$log" ] || continue
    echo "---- last warnings and errors of $log"
    grep -E '"level":"(warn|error)"' "$log" | tail -n 40 || true
  done
  for log in "$dir"/*/synapse.log; do
    [ -f "$log" ] || continue
    echo "---- last errors of $log"
    grep -E ' - (ERROR|CRITICAL) - ' "$log" | tail -n 15 || true
  done
}
