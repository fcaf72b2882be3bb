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

# Repeats the end of a failed step's output, after everything else: for the
# test runner that is its list of failing tests, for the fault suite its
# scenario lines.
print_failed_step() {
  local name="$1" log="$2"
  echo "---- what failed, in the step \"$name\""
  if grep -q '^FAULT ' "$log"; then
    grep -E '^(FAULT |  - |faults: )' "$log" | tail -n 40
  elif grep -q 'failing tests:' "$log"; then
    sed -n '/failing tests:/,$p' "$log" | grep -vE '^\s+at ' | head -n 60
  else
    tail -n 40 "$log"
  fi
}
