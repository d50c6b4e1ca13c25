#!/usr/bin/env bash
# The ATAPI CD-ROM drive end to end with SeaBIOS and a guest of our own:
#   - `define vd --type cdrom` makes an empty drive (query vd: no disc; export refused);
#     `vd import` of an ISO 9660 image made by xorriso puts the disc in (the settings
#     file's medium), and `vd export` gives the image back byte for byte;
#   - SeaBIOS boots the CD by El Torito (no emulation) with `--boot cdrom,hda`, and by
#     device name (boot = hdc,hda) ahead of a bootable hda; with boot = hda,hdc the disk
#     boots. The boot image (tests/vm/guest/cdboot.asm) reads the volume descriptor,
#     the root directory and HELLO.TXT through INT 13h, locks the tray, and then talks to
#     the drive over ATAPI, printing each change it sees;
#   - discs change while the VM runs: `vd import` into the running VM's drive goes
#     through the CP to the VM (its command change) and is refused while the guest locks
#     the tray (531, exit 4), as is `send eject`; `send eject hdc force` takes the disc
#     out (the guest sees NOT READY, 3Ah); `vd import` of a second ISO (genisoimage)
#     puts it in (the guest sees UNIT ATTENTION 28h and the new capacity); with the tray
#     still locked `send change` is refused, after another forced eject it puts the first
#     disc back; the settings file and `vd export` follow.
. "$ROOT/tests/vm/lib.sh"
need_file /usr/share/seabios/bios.bin
for t in xorriso genisoimage nasm; do
  command -v $t >/dev/null || { echo "skipped: $t missing (tools/deps.sh installs it)"; exit 0; }
done

# wait_for FILE TEXT [N]: until TEXT appears N times (default 1) in FILE, at most 60 s.
wait_for() {
  local i
  for i in $(seq 600); do
    [ "$(grep -c -F -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
    sleep 0.1
  done
  return 1
}

bash "$MKIMG" cdboot a.iso "hello from the VMCP CD"
bash "$MKIMG" bootsect hd.img
mkdir d2
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "line %08d of the second disc\n", i }' >d2/big.txt
bash "$MKIMG" iso b.iso d2 SECONDDISC
asize=$(stat -c %s a.iso) bsize=$(stat -c %s b.iso)
ok test $((asize % 2048)) -eq 0 "xorriso's image is whole 2048-byte blocks"
ablocks=$(printf %08x $((asize / 2048))) bblocks=$(printf %08x $((bsize / 2048)))

run format --size 64M
run define vm cd --memory 16M --boot cdrom,hda
ok contains "$T_LOG" "boot cdrom,hda" "define vm --boot cdrom,hda"
run define vd cd hda 1M
run vd import cd hda hd.img
run define vd cd hdc 4M --type cdrom
ok contains "$T_LOG" "VMCP312I VD cd hdc defined: 4M cdrom, 1 extent" "define vd --type cdrom"
run define vd cd fda 1440K --type cdrom
ok test "$RC" -ne 0 "a floppy device cannot be a CD-ROM (exit $RC)"
"$VMCP" query vd cd >q1.txt 2>&1
ok grep -qE "^cd +hdc +cdrom +4M .* y +1 +idle, no disc$" q1.txt "query vd: an empty drive"
run vd export cd hdc x.iso
ok test "$RC" -eq 2 "export of an empty drive: exit 2 (got $RC)"
ok contains "$T_LOG" "VMCP205E VD cd hdc holds no disc" "message 205"
run vd import cd hdc a.iso
ok test "$RC" -eq 0 "import the ISO"
"$VMCP" directory get cd.hdc.vd >vd1.txt
ok grep -qx "medium = $((asize / 1024))K" vd1.txt "the settings file records the disc"
ok grep -qx "readonly = yes" vd1.txt "a CD-ROM is read-only"
run vd export cd hdc x.iso
ok cmp -s x.iso a.iso "export gives the ISO back"
"$VMCP" query vd cd --json >q2.json
json q2.json "[v['medium'] for v in j['vds'] if v['dev'] == 'hdc'] == [$asize]"

# El Torito, first in the boot order.
run ipl cd --headless --serial s1.txt --bioslog bios1.log --until "watching the drive" --timeout 120
ok test "$RC" -eq 0 "the CD boots (exit $RC)"
for line in "vmcp-cdboot: running from drive e0" "vmcp-cdboot: bytes per sector 0800" \
  "vmcp-cdboot: CD001 volume VMCPDISC" "vmcp-cdboot: HELLO.TXT says hello from the VMCP CD"; do
  ok contains s1.txt "$line" "$line"
done
ok contains bios1.log "DVD/CD [ata1-0: VMCP CD-ROM ATAPI-6 DVD/CD]" "SeaBIOS finds the ATAPI drive"
ok contains bios1.log "Booting from DVD/CD..." "SeaBIOS boots it"
# By device name, and behind the disk.
"$VMCP" directory get cd.conf | sed 's/^boot = .*/boot = hdc,hda/' >c1.conf
run directory put cd.conf c1.conf
run ipl cd --headless --serial s2.txt --until "watching the drive" --timeout 120
ok contains s2.txt "vmcp-cdboot: HELLO.TXT says hello" "boot = hdc,hda: the CD boots"
sed 's/^boot = .*/boot = hda,hdc/' c1.conf >c2.conf
run directory put cd.conf c2.conf
run ipl cd --headless --serial s3.txt --until "DONE" --timeout 120
ok contains s3.txt "VMCP boot sector running" "boot = hda,hdc: the disk boots"
run directory put cd.conf c1.conf

# Discs change while the VM runs.
"$VMCP" ipl cd --headless --serial s4.txt --timeout 300 >ipl.out 2>&1 &
pid=$!
ok wait_for s4.txt "vmcp-cdboot: watching the drive" "the guest watches the drive"
run vd import cd hdc b.iso
ok test "$RC" -eq 4 "import while the guest locks the tray: exit 4 (got $RC)"
ok contains "$T_LOG" "VMCP531E hdc: the guest prevents the removal of its disc" "message 531"
run send cd eject hdc
ok test "$RC" -eq 4 "eject while locked: exit 4 (got $RC)"
run send cd eject hdc force
ok test "$RC" -eq 0 "eject force (got $RC)"
ok contains "$T_LOG" "VMCP530I hdc: disc taken out" "message 530"
ok wait_for s4.txt "vmcp-cdboot: not ready, sense key 20 asc 3a" "the guest sees no disc: NOT READY, 3Ah"
run vd import cd hdc b.iso
ok test "$RC" -eq 0 "import into the running VM's drive (got $RC)"
ok contains "$T_LOG" "VMCP530I hdc: disc $T_DIR/b.iso in ($bsize bytes)" "through the VM's command change"
ok wait_for s4.txt "vmcp-cdboot: unit attention, sense key 60 asc 28" "the guest sees UNIT ATTENTION 28h"
ok wait_for s4.txt "vmcp-cdboot: capacity $bblocks" "and the second disc's capacity ($bblocks blocks)"
run send cd query vd
ok contains "$T_LOG" "CD-ROM, a disc of $bsize bytes" "the VM's query vd shows the disc"
run vd export cd hdc x.iso
ok test "$RC" -eq 4 "export while the VM runs: exit 4 (got $RC)"
run send cd change hdc missing.iso
ok test "$RC" -eq 2 "change to a missing image: exit 2 (got $RC)"
run send cd change hda a.iso
ok test "$RC" -eq 2 "change on a disk: exit 2 (got $RC)"
ok contains "$T_LOG" "VMCP532E VM cd has no CD-ROM drive hda" "message 532"
run send cd change hdc a.iso
ok test "$RC" -eq 4 "change while the guest still locks the tray: exit 4 (got $RC)"
run send cd eject hdc force
ok wait_for s4.txt "vmcp-cdboot: not ready, sense key 20 asc 3a" 2 "no disc again"
run send cd change hdc a.iso
ok test "$RC" -eq 0 "send change into the empty drive (got $RC)"
ok wait_for s4.txt "vmcp-cdboot: capacity $ablocks" "the guest sees the first disc again ($ablocks blocks)"
ok test "$(grep -c 'unit attention' s4.txt)" -eq 2 "one unit attention per new disc"
run send cd shutdown
wait "$pid"
ok test $? -eq 0 "the run ends"
"$VMCP" directory get cd.hdc.vd >vd2.txt
ok grep -qx "medium = $((asize / 1024))K" vd2.txt "the settings file follows"
run vd export cd hdc x.iso
ok cmp -s x.iso a.iso "and so does the VD"
run check
ok test "$RC" -eq 0 "the directory checks clean"
[ "$T_FAIL" -eq 0 ] || { show s4.txt; show ipl.out; cat "$T_LOG"; }
summary
