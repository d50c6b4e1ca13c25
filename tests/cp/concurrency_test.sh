#!/usr/bin/env bash
# concurrency_test.sh: two vmcp processes change the directory at the same time, 100
# times each (define vm + define vd), while a third keeps querying: every command
# succeeds, the directory ends with all 200 VDs, `vmcp check` passes, and no two VDs'
# extents overlap (checked again here from the --json answer).
source "$ROOT/tests/cp/lib.sh"

"$VMCP" --dasd cc.dasd format --size 256M >/dev/null
export VMCP_DASD=cc.dasd
worker() {
  local p=$1 fails=0
  for k in $(seq 100); do
    "$VMCP" define vm "$p$k" >/dev/null 2>>"err.$p" || fails=$((fails + 1))
    "$VMCP" define vd "$p$k" hda $((64 + k % 7 * 64))K >/dev/null 2>>"err.$p" || fails=$((fails + 1))
  done
  echo "$fails" >"fails.$p"
}
reader() {
  local fails=0
  while [ ! -e stop ]; do "$VMCP" query vd --json >/dev/null 2>>err.r || fails=$((fails + 1)); done
  echo "$fails" >fails.r
}
reader & r=$!
worker a & a=$!
worker b & b=$!
trap 'kill $a $b $r 2>/dev/null' EXIT
trap 'exit 1' INT TERM
wait $a $b
touch stop; wait $r
ok test "$(cat fails.a)" = 0 "process a: all 200 commands succeeded"
ok test "$(cat fails.b)" = 0 "process b: all 200 commands succeeded"
ok test "$(cat fails.r)" = 0 "the reader never saw a broken directory"
cat err.a err.b err.r 2>/dev/null | head -5
"$VMCP" check >check.out 2>&1
ok test $? = 0 "check passes"
"$VMCP" query vd --json >vd.json
json vd.json "len(j['vds']) == 200"
json vd.json "(lambda ex: all(ex[i][0] + ex[i][1] <= ex[i+1][0] for i in range(len(ex)-1)))(sorted((e['start'], e['count']) for v in j['vds'] for e in v['extents']))"
json vd.json "all(v['capacity'] == (64 + int(v['vm'][1:]) % 7 * 64) * 1024 for v in j['vds'])"
summary
