/* concurrency_test.c: the real disk shared by processes. Two processes each define 100
 * VMs with a VD at the same time (every tenth iteration also deleting an earlier one),
 * each through its own open of the host file as separate vmcp commands would, and write
 * their own pattern into each new VD. Afterwards the directory holds exactly the VDs that
 * should exist, passes the full check (no overlapping extents, allocation table equal
 * to the VDDs), and every VD still holds its own pattern (no two VDs ever shared a
 * sector). Then the VD lock: a VD loaded by a VM in another process cannot be deleted,
 * resized or loaded again, with message 126, until that process lets go; and the same
 * holds between two VMBLOCKs of one process. */
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test.h"
#include "vdtest.h"

#define ITERS 100

static int child(const char *path, int p)
{
	char name[32];
	VmConf c;
	vmconf_default(&c);
	for (int i = 0; i < ITERS; i++) {
		VdErr e;
		Vmfat *v = vmfat_open(path, 0, &e);
		if (!v) {
			printf("FAIL child %d: open: %s\n", p, e.text);
			return 1;
		}
		snprintf(name, sizeof(name), "p%d-%d", p, i);
		if (vmfat_define_vm(v, name, &c) || vmfat_define_vd(v, name, "hda", 64 * KiB + 512 * (u64)i)) {
			printf("FAIL child %d iteration %d: %s\n", p, i, v->err.text);
			return 1;
		}
		if (i % 10 == 9) {
			snprintf(name, sizeof(name), "p%d-%d", p, i - 5);
			if (vmfat_delete_vm(v, name, NULL)) {
				printf("FAIL child %d delete: %s\n", p, v->err.text);
				return 1;
			}
			snprintf(name, sizeof(name), "p%d-%d", p, i);
		}
		vmfat_close(v);
		VmBlock vm;
		if (vmblock_load(path, name, &vm) || fill_vd(&vm.vddata[0], (u32)((p + 1) << 16 | i))) {
			printf("FAIL child %d load %s: %s\n", p, name, vm.err.text);
			return 1;
		}
		vmblock_unload(&vm);
	}
	return 0;
}

static void test_two_processes(const char *path)
{
	pid_t pid[2];
	for (int p = 0; p < 2; p++) {
		pid[p] = fork();
		if (pid[p] == 0) {
			fflush(stdout);
			_exit(child(path, p));
		}
	}
	for (int p = 0; p < 2; p++) {
		int st;
		waitpid(pid[p], &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d exit status %d", p, st);
	}
	VdErr e;
	Vmfat *v = vmfat_open(path, 0, &e);
	CHECK(v != NULL, "open after: %s", e.text);
	if (!v)
		return;
	CHECK_EQ(v->dir.nvdd, 2 * (ITERS - ITERS / 10));
	CHECK_EQ(v->dir.nfile, 4 * (ITERS - ITERS / 10));
	CHECK_EQ(full_check(v), 0);
	u64 bad = 0;
	int checked = 0;
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < ITERS; i++) {
			char name[32];
			snprintf(name, sizeof(name), "p%d-%d", p, i);
			bool deleted = (i % 10) == 4;
			VmBlock vm;
			int r = vmblock_load_from(v, name, &vm);
			CHECK(deleted ? r == VMCP_ENOENT : r == 0, "%s: load %d", name, r);
			if (r)
				continue;
			CHECK_EQ(vm.vddata[0].sectors, 128 + i);
			bad += verify_vd(&vm.vddata[0], (u32)((p + 1) << 16 | i));
			checked++;
			vmblock_unload(&vm);
		}
	CHECK_EQ(checked, 2 * (ITERS - ITERS / 10));
	CHECK(bad == 0, "%llu sectors hold another VD's data", (unsigned long long)bad);
	printf("two processes x %d: %u VDs, generation %llu\n", ITERS, v->dir.nvdd,
	       (unsigned long long)v->dir.generation);
	vmfat_close(v);
}

static void test_vd_lock(const char *path)
{
	VdErr e;
	Vmfat *v = vmfat_open(path, 0, &e);
	VmConf c;
	vmconf_default(&c);
	CHECK_EQ(vmfat_define_vm(v, "held", &c), 0);
	CHECK_EQ(vmfat_define_vd(v, "held", "hda", 1 * MiB), 0);
	CHECK_EQ(vmfat_define_vd(v, "held", "fdb", 720 * KiB), 0);
	int up[2], down[2];
	CHECK(pipe(up) == 0 && pipe(down) == 0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		VmBlock vm;
		char ok = vmblock_load(path, "held", &vm) == 0 ? 'y' : 'n';
		if (write(up[1], &ok, 1) != 1)
			_exit(2);
		char x;
		if (read(down[0], &x, 1) < 0) /* until the parent says so (or dies) */
			_exit(3);
		vmblock_unload(&vm);
		_exit(0);
	}
	char ok = 0;
	CHECK(read(up[0], &ok, 1) == 1 && ok == 'y', "the child loaded the VM");
	u32 id = vmfat_dir_vdd(&v->dir, "held", VM_DEV_HDA)->id;
	CHECK(vmfat_vd_in_use(v, id), "in use");
	u64 gen = v->dir.generation;
	CHECK_EQ(vmfat_delete_vd(v, "held", "hda"), VMCP_EBUSY);
	CHECK(v->err.num == VDM_VD_BUSY && strstr(v->err.text, "VD held hda is in use by a running VM"),
	      "message: %s", v->err.text);
	CHECK_EQ(vmfat_delete_vm(v, "held", NULL), VMCP_EBUSY);
	CHECK_EQ(vmfat_resize_vd(v, "held", "fdb", 1440 * KiB, NULL), VMCP_EBUSY);
	const char *ro = "vm = held\ndevice = hda\ncapacity = 1M\nreadonly = yes\n";
	CHECK_EQ(vmfat_put_file(v, "held.hda.vd", ro, strlen(ro)), VMCP_EBUSY);
	const char *geo = "vm = held\ndevice = hda\ncapacity = 1M\ngeometry = 2/16/63\n";
	CHECK_EQ(vmfat_put_file(v, "held.hda.vd", geo, strlen(geo)), 0); /* no VDD change: allowed */
	CHECK_EQ(v->dir.generation, gen + 1);
	VmBlock vm;
	CHECK_EQ(vmblock_load(path, "held", &vm), VMCP_EBUSY);
	CHECK_EQ(vm.err.num, VDM_VD_BUSY);
	CHECK_EQ(vm.nvd, 0);
	/* Other VMs are not affected. */
	CHECK_EQ(vmfat_define_vd(v, "p0-0", "hdb", 64 * KiB), 0);
	CHECK_EQ(vmfat_delete_vd(v, "p0-0", "hdb"), 0);
	/* The child lets go. */
	CHECK(write(down[1], "x", 1) == 1, "release");
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit");
	CHECK(!vmfat_vd_in_use(v, id), "free again");
	CHECK_EQ(vmblock_load(path, "held", &vm), 0);
	/* Two VMBLOCKs in one process: the second is refused too, and a failed load leaves
	 * no lock behind. */
	VmBlock vm2;
	CHECK_EQ(vmblock_load(path, "held", &vm2), VMCP_EBUSY);
	vmblock_unload(&vm2);
	CHECK_EQ(vmfat_delete_vd(v, "held", "fdb"), VMCP_EBUSY);
	vmblock_unload(&vm);
	CHECK_EQ(vmfat_delete_vm(v, "held", NULL), 0);
	CHECK_EQ(full_check(v), 0);
	vmfat_close(v);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/* A directory lock held too long (a stuck vmcp) ends in message 109, not a hang. */
static void test_lock_timeout(const char *path)
{
	VdErr e;
	Vmfat *v = vmfat_open(path, 0, &e);
	int fd = open(path, O_RDONLY);
	CHECK(v && fd >= 0 && flock(fd, LOCK_EX) == 0, "hold the directory lock");
	v->lock_timeout_ms = 300;
	VmConf c;
	vmconf_default(&c);
	CHECK_EQ(vmfat_define_vm(v, "late", &c), VMCP_ETIMEOUT);
	CHECK(v->err.num == VDM_LOCK_TIMEOUT && strstr(v->err.text, "locked by another vmcp"), "%s",
	      v->err.text);
	flock(fd, LOCK_UN);
	CHECK_EQ(vmfat_define_vm(v, "late", &c), 0);
	CHECK_EQ(vmfat_delete_vm(v, "late", NULL), 0);
	close(fd);
	vmfat_close(v);
}

int main(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build/release";
	char path[512];
	snprintf(path, sizeof(path), "%s/concurrency_test.%d.dasd", build, (int)getpid());
	unlink(path);
	int err;
	VdErr e;
	Backend *b = backend_open_file(path, BACKEND_CREATE, 64 * MiB, &err);
	CHECK(b && vmfat_format(b, 0, &e) == 0, "format");
	backend_close(b);
	test_two_processes(path);
	test_vd_lock(path);
	test_lock_timeout(path);
	unlink(path);
	return test_summary();
}
