#!/usr/bin/env bash
# blockdev_test.sh: a real disk that is a block device (a loop device over a file): the
# size comes from the device, query dasd says so, VDs are defined, imported and exported,
# and space reused after a delete reads as zeros (BLKZEROOUT). Needs root and a free loop
# device; otherwise it says "skipped".
source "$ROOT/tests/cp/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v losetup >/dev/null; then echo "skipped: needs root and losetup"; exit 0; fi
truncate -s 48M backing.img
dev=$(losetup -f --show backing.img 2>/dev/null) || { echo "skipped: no loop device available"; exit 0; }
trap 'losetup -d "$dev" 2>/dev/null' EXIT
trap 'exit 1' INT TERM
export VMCP_DASD=$dev
"$VMCP" format >fmt.out 2>&1
ok test $? = 0 "format a block device without --size"
ok grep -q "48M, allocation unit 64K" fmt.out "its size comes from the device"
"$VMCP" format --size 100M --force >big.out 2>&1
ok test $? = 9 "--size beyond the device: exit 9"
"$VMCP" query dasd >dasd.out
ok grep -q "(block device)" dasd.out "query dasd: block device"
"$VMCP" define vm web >/dev/null && "$VMCP" define vd web hda 4M >/dev/null
head -c 4194304 /dev/urandom >r.img
"$VMCP" vd import web hda r.img >/dev/null
"$VMCP" vd export web hda o.img >/dev/null
ok cmp r.img o.img "import/export round trip on a block device"
"$VMCP" delete vd web hda >/dev/null
"$VMCP" define vd web hdb 4M >/dev/null
"$VMCP" vd export web hdb z.img >/dev/null
ok cmp -n 4194304 z.img /dev/zero "reused space reads as zeros"
"$VMCP" check >chk.out 2>&1
ok test $? = 0 "check"
summary
