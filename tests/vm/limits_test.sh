#!/usr/bin/env bash
# limits_test.sh: inputs that could hold unbounded host memory or be silently misread
# end in their numbered message:
#  - /dev/zero (a stream without end) as --kernel and as --initrd, under a memory limit:
#    message 507 ("larger than the guest's RAM"), exit 9, in bounded memory; a regular
#    file larger than the RAM is refused from its size, before it is read;
#  - a NUL byte in a script line: message 517 naming the line and column; a script file
#    that is one endless line (/dev/zero) likewise ends.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
run format --size 16M
run define vm k --memory 16M
# Under ASan the address space is reserved up front, so a limit on it is meaningless;
# the peak resident size is measured instead (at most the guest's RAM and the build).
limit() { if [ "$MODE" = asan ]; then "$@"; else (ulimit -v 1500000; "$@"); fi; }
for what in kernel initrd; do
  if [ $what = kernel ]; then args=(--kernel /dev/zero); else
    bash "$MKIMG" testkernel tk.bin; args=(--kernel tk.bin --initrd /dev/zero); fi
  start=$SECONDS
  limit /usr/bin/time -f "maxrss %M" "$VMCP" ipl k --headless "${args[@]}" >$what.out 2>&1
  rc=$?
  ok test $rc -eq 9 "/dev/zero as --$what: exit 9 (exit $rc)"
  ok grep -q "VMCP507E Cannot load the kernel: $what /dev/zero is larger than the guest's RAM (16 MiB)" $what.out \
    "message 507 for --$what"
  rss=$(sed -n 's/^maxrss //p' $what.out)
  ok test "${rss:-999999999}" -lt 400000 "bounded memory for --$what (peak ${rss:-?} KiB)"
  ok test $((SECONDS - start)) -lt 60 "and soon"
done
truncate -s 17M big.bin
run ipl k --headless --kernel big.bin
ok test "$RC" -eq 9 "a 17M file as the kernel of a 16M VM (exit $RC)"
ok grep -q "kernel big.bin is larger than the guest's RAM" transcript "refused from its size"

printf 'wait A:\\>\ntype dir\\r\nwait C:\0\\>\n' >nul.script
run ipl k --headless --script nul.script
ok test "$RC" -eq 1 "a NUL in a script (exit $RC)"
ok grep -q "VMCP517E Script nul.script, line 3: a NUL byte at column 8 (a script is text)" transcript \
  "message 517 names the line and the column"
limit "$VMCP" ipl k --headless --script /dev/zero >zs.out 2>&1
ok test $? -eq 1 "/dev/zero as a script ends"
ok grep -q "line 1: a NUL byte at column 1" zs.out "at its first byte"
summary
