#!/usr/bin/env bash
# query_test.sh: `vmcp query vm [NAME] | vd [VM] | dasd | space` in human form (golden)
# and with --json: each JSON answer is valid (python3 -m json.tool) and carries the exact
# values (bytes, sectors, geometry, extents, in-use state, copies).
source "$ROOT/tests/cp/lib.sh"

run --dasd q.dasd format --size 48M
export VMCP_DASD=q.dasd
run query vm
run query vd
run query vm --json
run define vm alpha --memory 16M --cpu i386
run define vm beta --boot hda
run define vd alpha hda 2M
run define vd alpha fdb 720K
run define vd beta hda 1G
ok test "$RC" = 7 "1G does not fit"
run define vd beta hda 20M
run define vd beta hdd 64K
run query vm
run query vm alpha
run query vm gamma
ok test "$RC" = 2 "no such VM"
run query vd
run query vd beta
run query vd gamma
run query space
run query dasd
run query
run query disks
run query space extra
"$VMCP" query vm --json >vm.json;     json vm.json "len(j['vms']) == 2 and j['vms'][0]['name'] == 'alpha' and j['vms'][0]['memory'] == 16*2**20 and j['vms'][0]['cpu'] == 'i386' and j['vms'][1]['boot'] == ['hda'] and j['vms'][1]['vds'] == ['hda', 'hdd'] and j['vms'][0]['valid']"
"$VMCP" query vm beta --json >vm1.json; json vm1.json "[v['name'] for v in j['vms']] == ['beta']"
"$VMCP" query vd --json >vd.json;     json vd.json "[(v['vm'], v['dev']) for v in j['vds']] == [('alpha','hda'), ('alpha','fdb'), ('beta','hda'), ('beta','hdd')] and j['vds'][1]['geometry'] == {'cylinders': 80, 'heads': 2, 'sectors': 9} and j['vds'][2]['capacity'] == 20*2**20 and j['vds'][2]['sectors'] == 40960 and sum(e['count'] for e in j['vds'][2]['extents']) == 40960 and not any(v['in_use'] for v in j['vds'])"
"$VMCP" query dasd --json >dasd.json; json dasd.json "j['size'] == 48*2**20 and j['sectors'] == 98304 and j['unit'] == 65536 and j['vms'] == 2 and j['vds'] == 4 and j['files'] == 6 and j['active'] in ('A','B') and [c['state'] for c in j['copies']] == ['good','good'] and len(j['uuid']) == 32"
"$VMCP" query space --json >space.json; json space.json "j['total'] == j['used'] + j['free'] and j['used'] == (2*2**20 + 768*1024 + 20*2**20 + 64*1024) and j['vds'] == 4"
"$VMCP" query vd gamma --json >none.json 2>/dev/null; ok test $? = 2 "json: no such VM, exit 2"
note "a VD in use"
"$BUILD/tests/cp/vmhold" q.dasd beta >hold.out 2>&1 &
hold=$!
trap 'kill $hold 2>/dev/null' EXIT
trap 'exit 1' INT TERM
for _ in $(seq 300); do grep -q held hold.out && break; sleep 0.05; done
run query vd beta
"$VMCP" query vd --json >vd2.json; json vd2.json "[v['in_use'] for v in j['vds']] == [False, False, True, True]"
kill $hold; wait $hold 2>/dev/null
run query vd beta
golden
summary
