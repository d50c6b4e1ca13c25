#!/usr/bin/env bash
# Several VMs at once on one real disk, as the paper's CP runs them: three `vmcp ipl`
# processes boot three VMs through SeaBIOS at the same time, each from its own VD —
# two run the boot sector of tests/vm/guest/bootsect.asm (it writes a pattern to sector
# 100 of its own disk), one SYSLINUX and the test kernel — and all three are seen
# running together (query vd: three VDs in use) while a fourth process changes the
# directory (defines a VM and a VD, deletes them again). Each VM's output
# must be its own, each pattern must land in its own VD and nowhere else, and the
# directory must check clean afterwards.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
bash "$MKIMG" bootsect bs.img
bash "$MKIMG" testkernel kernel.bin
printf 'initrd of VM c\n' >initrd.txt
bash "$MKIMG" syslinux sl.img kernel.bin initrd.txt "console=ttyS0 vm=c"
run format --size 64M
for vm in a b; do
  run define vm $vm --memory 16M --boot hda
  run define vd $vm hda 1M
  run vd import $vm hda bs.img
done
run define vm c --memory 32M --boot hda
run define vd c hda 16M
run vd import c hda sl.img
ok test "$RC" -eq 0 "three VMs defined"
before=$(md5sum <"$VMCP_DASD")
# --pace: each VM runs at wall-clock speed, so that SeaBIOS's POST takes its ~2.5 s
# of virtual time in real time too and the three are seen running at once.
pids=()
for vm in a b; do
  "$VMCP" ipl $vm --headless --pace --serial $vm.serial --until "DONE" --timeout 60 >$vm.out 2>&1 &
  pids+=($!)
done
"$VMCP" ipl c --headless --pace --serial c.serial --until "testkernel: done" --timeout 60 >c.out 2>&1 &
pids+=($!)
inuse=0
for _ in $(seq 40); do
  inuse=$("$VMCP" query vd 2>/dev/null | grep -c "in use")
  [ "$inuse" -eq 3 ] && break
  sleep 0.05
done
ok test "$inuse" -eq 3 "the three VMs run at once: query vd shows 3 VDs in use (saw $inuse)"
# The directory changes while the three run: a VM and a VD come and go.
run define vm d --memory 4M
run define vd d hda 2M
ok test "$RC" -eq 0 "define vd while three VMs run"
run delete vm d
ok test "$RC" -eq 0 "delete vm while three VMs run"
run delete vd a hda
ok test "$RC" -eq 4 "a running VM's VD cannot be deleted (exit $RC)"
rcs=()
for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
ok test "${rcs[*]}" = "0 0 0" "all three runs end with their --until text (exit ${rcs[*]})"
for vm in a b; do
  ok contains $vm.serial "sector 100 written, DONE" "VM $vm: the boot sector ran to its end"
  ok sh -c "! grep -q testkernel $vm.serial" "VM $vm: nothing of VM c's output"
done
ok contains c.serial "cmdline: BOOT_IMAGE=vmlinuz console=ttyS0 vm=c" "VM c: SYSLINUX passed its command line"
ok contains c.serial "initrd: 15 bytes: initrd of VM c" "VM c: its own initrd"
ok sh -c '! grep -q "VMCP boot sector" c.serial' "VM c: nothing of VM a's or b's output"
want=$(printf 'VMCP-SECTOR-100' | od -An -tx1 | tr -d ' \n')
want+=$(awk 'BEGIN { for (i = 15; i < 512; i++) printf "%02x", (i * 7 + 90) % 256 }')
for vm in a b; do
  run vd export $vm hda $vm.img
  ok test "$(hexbytes $vm.img 51200 512)" = "$want" "VM $vm: sector 100 of its own VD holds the pattern"
  ok cmp -s <(head -c 51200 $vm.img) <(head -c 51200 bs.img) "VM $vm: sectors before 100 unchanged"
  ok cmp -s <(tail -c +51713 $vm.img) <(tail -c +51713 bs.img) "VM $vm: sectors after 100 unchanged"
done
run vd export c hda c.img
ok cmp -s c.img sl.img "VM c's VD unchanged (SYSLINUX only reads)"
ok test "$(md5sum <"$VMCP_DASD")" != "$before" "the real disk changed (the two patterns)"
run check
ok test "$RC" -eq 0 "vmcp check after the runs"
[ "$T_FAIL" -eq 0 ] || { for f in a.out b.out c.out a.serial b.serial c.serial; do show $f; done; }
summary
