#!/usr/bin/env bash
# Play a short drill in tmux as a person would: start it, answer pages in two seats, post an
# update, take a decision, declare a milestone, end the exercise, rate it and write the report.
# Each step's screen is saved as text in OUT (default: drill-in-tmux/), so a run can be read
# back afterwards.
#
#   scripts/drill_in_tmux.sh [OUT]
#
# Needs tmux and the tabletop command (make demo installs it into .venv).
set -euo pipefail

out=${1:-drill-in-tmux}
tabletop=${TABLETOP:-$(pwd)/.venv/bin/tabletop}
session=tabletop-drill-$$
mkdir -p "$out"
rm -f "$out/drill.jsonl"
step=0

keys() { tmux send-keys -t "$session" "$@"; sleep 0.4; }
shot() {
    step=$((step + 1))
    tmux capture-pane -t "$session" -p >"$out/$(printf '%02d' "$step")-$1.txt"
    echo "--- $step: $1"
    head -n 14 "$out/$(printf '%02d' "$step")-$1.txt"
}
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; }
trap cleanup EXIT

tmux new-session -d -s "$session" -x 200 -y 50
keys "TERM=xterm-256color $tabletop drill drill-db-failover --policy payments-tiered --play incident_commander --play tech_lead:database --speed 60 --journal $out/drill.jsonl --out $out/report" Enter
sleep 3
shot ready

keys Space            # start at 60×: one scenario minute per second
sleep 4
keys 5                # the database tech lead's seat
shot tech-lead-paged
keys a; keys Enter    # acknowledge (the first page, if several)
sleep 6
keys 1                # the incident commander's seat
keys a; keys Enter
shot commander
keys u; keys "Payments DB primary down; failing over. Next update 03:45" Enter
keys j; keys j        # jump ahead to the next events
sleep 2
shot after-jumps
keys + + +            # 600×
sleep 6
keys d                # declare what the world allows, if anything is ready
keys c; keys Enter    # take the first option of a waiting decision, if any
shot decided
keys 0; keys x; keys Enter   # the facilitator ends the exercise
sleep 1
shot hot-wash
keys C-s              # write the after-action report
sleep 3
shot report-written
keys C-q
sleep 1

test -s "$out/report/after-action.md"
test -s "$out/report/after-action.html"
echo "Journal: $out/drill.jsonl ($(wc -l <"$out/drill.jsonl") lines); report: $out/report/after-action.html"
