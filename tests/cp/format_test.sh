#!/usr/bin/env bash
# format_test.sh: `vmcp format`: a new real disk is a sparse file of the given size; the
# default path (./vmcp.dasd), $VMCP_DASD and --dasd before or after the verb; refusals
# (no size, bad sizes, something already there: VMFAT, a boot sector, other data) with
# their numbers and exit codes, --force, and a real disk in use.
source "$ROOT/tests/cp/lib.sh"

note "a new file needs --size"
run format
ok test "$RC" = 1 "format without --size: exit 1"
ok test ! -e vmcp.dasd "nothing created"
run format --size 12Q
run format --size 100K
ok test "$RC" = 9 "too small: exit 9"
ok test ! -e vmcp.dasd "nothing created for a bad size"
note "the default real disk"
run format --size 64M
ok test "$RC" = 0 "format ./vmcp.dasd"
ok test "$(stat -c %s vmcp.dasd)" = 67108864 "64M file"
ok test "$(stat -c %b vmcp.dasd)" -lt 2048 "sparse: under 1 MiB allocated"
run check
note "twice: refused, then --force"
run format --size 64M
ok test "$RC" = 3 "already VMFAT: exit 3"
run format --size 32M --force
ok test "$RC" = 0 "--force"
run query dasd
note "--dasd before and after the verb, and VMCP_DASD"
run --dasd b.dasd format --size 2M
run format --size 1M --dasd=c.dasd
ok test -f b.dasd "b.dasd"
ok test -f c.dasd "c.dasd"
echo "\$ VMCP_DASD=c.dasd vmcp query space" >>"$T_LOG"
VMCP_DASD=c.dasd "$VMCP" query space >>"$T_LOG" 2>&1; echo "[exit $?]" >>"$T_LOG"
note "recognisable data is not overwritten without --force"
head -c 4096 /dev/zero >mbr.img; printf '\x55\xaa' | dd of=mbr.img bs=1 seek=510 conv=notrunc status=none
truncate -s 4M mbr.img
run --dasd mbr.img format
ok test "$RC" = 3 "boot sector: exit 3"
truncate -s 4M data.img; printf 'x' | dd of=data.img bs=1 seek=300000 conv=notrunc status=none
run --dasd data.img format
truncate -s 4M zero.img
run --dasd zero.img format
ok test "$RC" = 0 "an all-zero file formats without --force"
note "an existing file grows to --size"
truncate -s 1M grow.img
run --dasd grow.img format --size 8M
ok test "$(stat -c %s grow.img)" = 8388608 "grown to 8M"
note "--force is refused while a VM uses a VD"
run define vm web
run define vd web hda 1M
"$BUILD/tests/cp/vmhold" vmcp.dasd web >hold.out 2>&1 &
hold=$!
trap 'kill $hold 2>/dev/null' EXIT
trap 'exit 1' INT TERM
for _ in $(seq 300); do grep -q held hold.out && break; sleep 0.05; done
ok grep -q "held 1 VDs" hold.out "vmhold loaded web"
run format --size 32M --force
ok test "$RC" = 4 "in use: exit 4"
kill $hold; wait $hold 2>/dev/null
run format --size 32M --force
ok test "$RC" = 0 "free again"
run query vm
golden
summary
