#!/usr/bin/env bash
# tools/demo.sh: `make demo`. Until a guest can boot, it shows the real disk and the CP
# commands: it formats a real disk in $BUILD (a sparse 8G file, recreated each run, so
# the demo is idempotent and takes a second), defines two VMs with their VDs, puts a
# small image into one VD and reads it back, and shows what `vmcp query` and
# `vmcp check` say. Each command is echoed as a user would type it.
set -eu
: "${VMCP:?}" "${BUILD:=build/release}"
export VMCP_DASD="$BUILD/demo.dasd"
show() {
  echo "\$ vmcp $*"
  "$VMCP" "$@"
  echo
}
rm -f "$VMCP_DASD"
show format --size 8G
show define vm linux --memory 128M --cpu i686 --boot hda,fda --console serial
show define vd linux hda 2G
show define vd linux fda 1440K
show define vm dos --memory 16M --cpu i486 --boot fda,hda --console vga
show define vd dos hda 504M
show define vd dos fda 1440K
show query vm
show query vd
show directory get linux.conf
show directory get dos.hda.vd
img="$BUILD/demo-floppy.img"
head -c 1474560 /dev/urandom >"$img"
show vd import dos fda "$img"
show vd export dos fda "$img.back"
cmp "$img" "$img.back" && echo "(the floppy image came back byte for byte)" && echo
rm -f "$img" "$img.back"
show vd resize linux hda 3G
show query space
show query dasd
show check
echo "The real disk is $VMCP_DASD ($(du -h "$VMCP_DASD" | cut -f1) allocated of its 8G: it is sparse)."
echo "Try: VMCP_DASD=$VMCP_DASD $VMCP query vd --json"
