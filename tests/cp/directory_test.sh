#!/usr/bin/env bash
# directory_test.sh: `vmcp directory get|put|list`: files come back byte for byte; a put
# is validated first and a bad file is refused with its line and reason while nothing on
# the real disk changes (the whole directory, compared before and after); a good put is
# stored verbatim, comments included; a VD settings file put changes the VD (growth,
# read-only, CD-ROM type) as `query vd` shows; the device lines of a config file belong
# to define/delete. Output that cannot be written (a full disk) fails with message 309.
source "$ROOT/tests/cp/lib.sh"

run --dasd d.dasd format --size 32M
export VMCP_DASD=d.dasd
run define vm web
run define vd web hda 4M
run directory list
run directory get web.hda.vd
run directory get nosuch.conf
ok test "$RC" = 2 "get a missing file: exit 2"
snapshot() { for f in web.conf web.hda.vd; do "$VMCP" directory get $f; done; "$VMCP" query vd --json; }
snapshot >before.txt
note "bad files are refused with the line and the reason"
printf 'memory = 128M\ncpu = i686\nconsole = tty\n' >bad1.conf
run directory put web.conf bad1.conf
ok test "$RC" = 1 "bad config: exit 1"
printf '# mine\nmemory = 128M\nmemory = 256M\n' >bad2.conf
run directory put web.conf bad2.conf
printf 'memory = 64M\nhda = web.hda.vd\nhdb = web.hdb.vd\n' >bad3.conf
run directory put web.conf bad3.conf
printf 'memory = 64M\n' >bad4.conf
run directory put web.conf bad4.conf
printf 'vm = web\ndevice = hda\ncapacity = 2M\n' >shrink.vd
run directory put web.hda.vd shrink.vd
ok test "$RC" = 9 "shrink: exit 9"
printf 'vm = web\ndevice = hdb\ncapacity = 4M\n' >wrongdev.vd
run directory put web.hda.vd wrongdev.vd
printf 'vm = web\ndevice = hda\ncapacity = 4M\ngeometry = 999/16/63\n' >geom.vd
run directory put web.hda.vd geom.vd
printf 'vm = web\ndevice = hda\ncapacity = 4M\n\xff\n' >binary.vd
run directory put web.hda.vd binary.vd
head -c 20000 /dev/zero | tr '\0' '#' >huge.conf
run directory put web.conf huge.conf
run directory put web.conf nosuchfile
ok test "$RC" = 2 "missing input file: exit 2"
run directory put other.conf bad4.conf
run directory put notes.txt bad4.conf
run directory put web.conf
snapshot >after.txt
ok cmp before.txt after.txt "nothing changed after the refusals"
note "from standard input"
echo '$ printf ... | vmcp directory put web.conf -' >>"$T_LOG"
printf 'memory = 32M\nhda = web.hda.vd\n' | "$VMCP" directory put web.conf - >>"$T_LOG" 2>&1
echo "[exit $?]" >>"$T_LOG"
run directory get web.conf
note "a good config file is stored verbatim"
printf '# web server\nmemory = 256M   # more room\ncpu = i486\nboot = hda\nconsole = vga\nhda = web.hda.vd\n' >good.conf
run directory put web.conf good.conf
ok test "$RC" = 0 "good put"
"$VMCP" directory get web.conf >back.conf
ok cmp good.conf back.conf "verbatim"
"$VMCP" directory get web.conf >/dev/full 2>full.err
rc=$?
ok test "$rc" = 5 "output to a full disk: exit 5"
ok grep -q '^VMCP309E Cannot write the output' full.err "output to a full disk: message 309"
run query vm
note "a VD settings file grows the VD and makes it read-only, then a CD-ROM"
printf 'vm = web\ndevice = hda\ncapacity = 6M\ngeometry = 100/4/30\nreadonly = yes\n' >grow.vd
run directory put web.hda.vd grow.vd
run query vd
printf 'vm = web\ndevice = hda\ntype = cdrom\ncapacity = 6M\n' >cd.vd
run directory put web.hda.vd cd.vd
run query vd
note "comments survive define vd and delete vd"
run define vd web fda 720K
run directory get web.conf
run delete vd web fda
run directory get web.conf
run check
golden
summary
