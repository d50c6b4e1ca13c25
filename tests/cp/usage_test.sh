#!/usr/bin/env bash
# usage_test.sh: the command line itself: help, unknown commands and options, missing and
# extra operands, --dasd anywhere, "--" ending the options; each with its message number
# and exit status (docs/commands.md).
source "$ROOT/tests/cp/lib.sh"

run
ok test "$RC" = 1 "no command: exit 1"
run help
ok test "$RC" = 0 "help: exit 0"
run frobnicate
run --dasd
run query --dasd
run query vm --dasd nosuch.dasd
ok test "$RC" = 2 "no real disk: exit 2"
run --dasd=nosuch.dasd query vm
run query vm --jsn
run query vm --json=yes
run check extra
run ipl
ok test "$RC" = 1 "ipl without a name: exit 1"
run check --repair=yes
run format --size
run --dasd u.dasd format --size 2M
run --dasd u.dasd define vm -- --odd
run --dasd u.dasd define vm -- odd
run --dasd u.dasd query vm
mkdir adir
run --dasd adir query vm
golden
summary
