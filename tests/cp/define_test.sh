#!/usr/bin/env bash
# define_test.sh: `vmcp define vm|vd` and `vmcp delete vm|vd` as a user types them: the
# files they write, the tables `query` shows after each step, and every refusal with its
# message number and exit code (names, devices, sizes, floppies, space, duplicates).
source "$ROOT/tests/cp/lib.sh"

run --dasd t.dasd format --size 32M
export VMCP_DASD=t.dasd
run define vm web --memory 128M --cpu pentium --boot fda,hda --console vga
ok test "$RC" = 0 "define vm web"
run define vm db
run directory get web.conf
run define vd web hda 10M
run define vd web fda 1440K
run define vd db hdb 4M
run define vd db hdc 4000000
ok test "$RC" = 1 "not a multiple of 512"
run define vd db hdc 4100K
run query vm
run query vd
run directory get web.conf
run directory get web.fda.vd
note "refusals"
run define vm web
ok test "$RC" = 3 "duplicate VM: exit 3"
run define vm Web
run define vm way-too-long-vm-name
run define vm x.y
run define vm bad --memory 3
run define vm bad --memory 5G
run define vm bad --cpu 8086
run define vm bad --boot hda,tape
run define vm bad --console tty
run define vm bad --colour red
ok test "$RC" = 1 "unknown option: exit 1"
run define vm
run define vd nosuch hda 1M
ok test "$RC" = 2 "no such VM: exit 2"
run define vd web hda 1M
run define vd web hde 1M
run define vd web fdb 1M
run define vd web hdb 3T
ok test "$RC" = 9 "over 2T: exit 9"
run define vd web hdb 40M
ok test "$RC" = 7 "no space: exit 7"
run define vd web hdb
run define vd web hdb 1M extra
run define thing x
run query vd web
note "delete"
run delete vd web fda
run delete vd web fda
ok test "$RC" = 2 "already deleted: exit 2"
run delete vm db
run delete vm db
run delete vd
run delete vm
run query vm
run query vd
run query space
run check
ok test "$RC" = 0 "check after all of it"
golden
summary
