/* conf_fuzz.c: libFuzzer target for the config file and VD settings file parsers (the
 * text a user gives `vmcp directory put`) and the edits the CP makes to them. Beyond
 * "never crash", it checks properties: whatever parses formats back to text that parses
 * to the same values; setting a key with conf_text_set on a valid file leaves a valid
 * file with that value; removing a device line leaves a valid file without it; sizes
 * round-trip through size_format. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "conf/conf.h"
#include "vd/vdconf.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	const char *t = (const char *)data;
	VmConf c, c2;
	ConfErr e;
	if (vmconf_parse("fz", t, size, &c, &e) == 0) {
		char *f = vmconf_format("fz", &c);
		if (!f || vmconf_parse("fz", f, strlen(f), &c2, &e) || memcmp(&c, &c2, sizeof(c)))
			abort();
		free(f);
		char *s = conf_text_set(t, size, "memory", "128M");
		if (!s || vmconf_parse("fz", s, strlen(s), &c2, &e) || c2.memory != 128 * MiB)
			abort();
		free(s);
		s = conf_text_set(t, size, "hda", NULL);
		if (!s || vmconf_parse("fz", s, strlen(s), &c2, &e) || c2.has_dev[VM_DEV_HDA])
			abort();
		free(s);
		s = conf_text_set(t, size, "fdb", "fz.fdb.vd");
		if (!s || vmconf_parse("fz", s, strlen(s), &c2, &e) || !c2.has_dev[VM_DEV_FDB])
			abort();
		free(s);
	} else if (e.line < 0 || !e.text[0]) {
		abort();
	}
	VdConf v, v2;
	if (vdconf_parse(t, size, &v, &e) == 0) {
		char *f = vdconf_format(&v);
		if (!f || vdconf_parse(f, strlen(f), &v2, &e) || memcmp(&v, &v2, sizeof(v)))
			abort();
		free(f);
		char cap[32];
		size_format(v.capacity, cap, sizeof(cap));
		char *s = conf_text_set(t, size, "capacity", cap);
		if (!s || vdconf_parse(s, strlen(s), &v2, &e) || v2.capacity != v.capacity)
			abort();
		free(s);
	} else if (!e.text[0]) {
		abort();
	}
	/* Sizes. */
	char buf[40];
	size_t n = MIN(size, sizeof(buf) - 1);
	memcpy(buf, data, n);
	buf[n] = 0;
	u64 bytes, again;
	if (size_parse(buf, &bytes) == 0) {
		char out[32];
		size_format(bytes, out, sizeof(out));
		if (size_parse(out, &again) || again != bytes)
			abort();
	}
	return 0;
}
