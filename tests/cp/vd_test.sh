#!/usr/bin/env bash
# vd_test.sh: `vmcp vd import|export|resize`: a raw image goes in and comes out byte for
# byte (cmp), the rest of the VD reads as zeros, export to a file is sparse and to "-"
# streams to stdout; an image larger than the VD is refused before anything is written;
# resize grows (in place or by a new extent) with old data kept and new space zero, and
# never shrinks; a VD in use by a running VM refuses import, export, resize and delete
# (message 126); the progress line appears only on a terminal.
source "$ROOT/tests/cp/lib.sh"

run --dasd v.dasd format --size 64M
export VMCP_DASD=v.dasd
run define vm web
run define vm db
run define vd web hda 8M
run define vd db hda 4M
head -c 3000000 /dev/urandom >rand.img
run vd import web hda rand.img
ok test "$RC" = 0 "import"
run vd export web hda out.img
ok test "$(stat -c %s out.img)" = 8388608 "export is the VD's size"
ok cmp -n 3000000 rand.img out.img "the image comes back"
ok cmp -i 3000000:0 -n 5388608 out.img /dev/zero "the rest is zeros"
ok test "$(stat -c %b out.img)" -lt 12000 "the export is sparse"
"$VMCP" vd export web hda - >stdout.img 2>stdout.err
ok cmp out.img stdout.img "export to stdout"
ok test ! -s stdout.err "no message on stdout's export"
note "a smaller image leaves zeros behind it (old data does not survive an import)"
head -c 1000 /dev/urandom >small.img
run vd import web hda small.img
"$VMCP" vd export web hda small.out >/dev/null
ok cmp -n 1000 small.img small.out "small image"
ok cmp -i 1000:0 -n 8387608 small.out /dev/zero "zeros after a small image (1000 bytes: padded to a sector)"
note "refusals"
head -c 9000000 /dev/zero >big.img
run vd import web hda big.img
ok test "$RC" = 9 "too large: exit 9"
"$VMCP" vd export web hda check.out >/dev/null
ok cmp small.out check.out "a refused import writes nothing"
run vd import web hda nosuch.img
run vd import web hdb rand.img
run vd export web hda /nonexistent/dir/x.img
run vd import web hda
run vd frobnicate web hda x
note "resize: the old data stays, the new space is zero"
run vd import web hda rand.img
run vd resize web hda 12M
run vd resize db hda 6M
run query vd
"$VMCP" vd export web hda grown.img >/dev/null
ok test "$(stat -c %s grown.img)" = 12582912 "12M"
ok cmp -n 3000000 rand.img grown.img "old data kept after a resize by a new extent"
ok cmp -i 3000000:0 -n 9582912 grown.img /dev/zero "new space is zero"
run vd resize web hda 12M
run vd resize web hda 4M
ok test "$RC" = 9 "shrink: exit 9"
run vd resize web hda 12X
run vd resize web fda 1440K
note "a VD in use"
"$BUILD/tests/cp/vmhold" v.dasd web >hold.out 2>&1 &
hold=$!
trap 'kill $hold 2>/dev/null' EXIT
trap 'exit 1' INT TERM
for _ in $(seq 300); do grep -q held hold.out && break; sleep 0.05; done
run vd import web hda rand.img
ok test "$RC" = 4 "import in use: exit 4"
run vd export web hda busy.img
run vd resize web hda 16M
run delete vd web hda
run delete vm web
run vd import db hda small.img
echo '$ vmhold v.dasd web   (a second VM wants the same VDs)' >>"$T_LOG"
"$BUILD/tests/cp/vmhold" v.dasd web >>"$T_LOG" 2>&1; echo "[exit $?]" >>"$T_LOG"
kill $hold; wait $hold 2>/dev/null
run vd resize web hda 16M
note "progress: none without a terminal, a progress line on one"
"$VMCP" vd import web hda rand.img 2>err.txt >/dev/null
ok test ! -s err.txt "no progress without a terminal"
if script -qec "$VMCP vd import web hda rand.img" /dev/null >tty.txt 2>&1; then
  ok grep -q "import web hda: 100% (2M of 2M)" tty.txt "progress on a terminal"
else
  ok grep -q "100%" tty.txt "progress on a terminal"
fi
run check
golden
summary
