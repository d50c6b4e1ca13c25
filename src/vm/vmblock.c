/* vmblock.c: loading a VM's VMBLOCK from the real disk: config file, VDDATA, VD locks
 * (vmblock.h). The directory is read under the shared directory lock and the VD locks
 * are taken before it is released, so a `vmcp delete vd` (which holds the exclusive
 * directory lock while it tests the VD lock) can never slip between reading a VDD and
 * locking its VD. */
#include "vm/vmblock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/hostmem.h"
#include "dev/rtc.h"
#include "vd/vdconf.h"

const char *vmblock_default_dasd(void)
{
	const char *e = getenv("VMCP_DASD");
	return e && *e ? e : "vmcp.dasd";
}

static void release_vds(VmBlock *vm)
{
	for (u32 i = 0; i < vm->nvd; i++) {
		vmfat_extents_lock(vm->dasd, vm->vddata[i].extent, vm->vddata[i].nextents, false);
		vmfat_vd_unlock(vm->dasd, vm->vdd_id[i]);
	}
	vm->nvd = 0;
}

static int load(Vmfat *v, const char *name, VmBlock *vm)
{
	const char *why;
	if (!vm_name_valid(name, &why))
		return vderr(&vm->err, VMCP_EINVAL, VDM_VM_NAME, "Invalid VM name '%s': %s", name, why);
	memcpy(vm->name, name, strlen(name) + 1);
	int r = vmfat_lock(v, false);
	if (r) {
		vm->err = v->err;
		return r;
	}
	if ((r = vmfat_reload(v))) {
		vm->err = v->err;
		vmfat_unlock(v);
		return r;
	}
	if ((r = vmfat_vm_config(v, &v->dir, name, NULL, &vm->config)))
		vm->err = v->err;
	for (int d = 0; !r && d < VM_DEV_COUNT; d++) {
		if (!vm->config.has_dev[d])
			continue;
		const VmfatVdd *vdd = vmfat_dir_vdd(&v->dir, name, d);
		if (!vdd) {
			r = vderr(&vm->err, VMCP_ECORRUPT, VDM_VD_NOT_FOUND,
				  "VM %s names VD %s in its config file but it has no VDD; run vmcp check", name,
				  vm_dev_name(d));
			break;
		}
		if ((r = vmfat_vd_load(v, vdd, &vm->vddata[vm->nvd]))) {
			vm->err = v->err;
			break;
		}
		r = vmfat_vd_lock(v, vdd->id, true);
		if (r == VMCP_EBUSY)
			r = vderr(&vm->err, r, VDM_VD_BUSY, "VD %s %s is in use by a running VM", name,
				  vm_dev_name(d));
		else if (r)
			r = vderr(&vm->err, r, VDM_LOCK, "Cannot lock VD %s %s", name, vm_dev_name(d));
		/* Its space, too: no directory, not even one that lost an update, gives it to
		 * another VD while this VM runs. */
		if (!r && (r = vmfat_extents_lock(v, vdd->extent, vdd->nextents, true))) {
			vmfat_vd_unlock(v, vdd->id);
			r = vderr(&vm->err, r, r == VMCP_EBUSY ? VDM_LOST_VD : VDM_LOCK,
				  "Cannot lock the space of VD %s %s: %s", name, vm_dev_name(d),
				  r == VMCP_EBUSY ? "another running VM holds part of it (run vmcp check)"
						  : "the host refused");
		}
		if (!r)
			vm->vdd_id[vm->nvd++] = vdd->id;
	}
	vmfat_unlock(v);
	if (r)
		release_vds(vm);
	return r;
}

int vmblock_load_from(Vmfat *v, const char *name, VmBlock *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->dasd = v;
	int r = load(v, name, vm);
	if (r) {
		VdErr e = vm->err;
		memset(vm, 0, sizeof(*vm));
		vm->err = e;
	}
	return r;
}

int vmblock_load(const char *dasd, const char *name, VmBlock *vm)
{
	memset(vm, 0, sizeof(*vm));
	Vmfat *v = vmfat_open(dasd ? dasd : vmblock_default_dasd(), 0, &vm->err);
	if (!v)
		return vm->err.code;
	int r = vmblock_load_from(v, name, vm);
	if (r) {
		vmfat_close(v);
		return r;
	}
	vm->own_dasd = true;
	return 0;
}

/* The CPU a config file's model name stands for. */
static CpuModel cpu_model(VmCpu c)
{
	switch (c) {
	case VM_CPU_I386: return CPU_MODEL_386;
	case VM_CPU_I486: return CPU_MODEL_486;
	case VM_CPU_PENTIUM: return CPU_MODEL_PENTIUM;
	case VM_CPU_PENTIUM4: return CPU_MODEL_P4;
	case VM_CPU_I686:
	case VM_CPU_COUNT:
		break;
	}
	return CPU_MODEL_P6;
}

/* SeaBIOS's boot device code (CMOS 0x3D/0x38) of a boot order entry: floppy, disk, or
 * CD-ROM (the entry "cdrom", or a device whose VD is one). SeaBIOS boots the first device
 * of each class it finds. */
static int boot_code(VmBlock *vm, int entry)
{
	if (entry == VM_BOOT_CDROM)
		return RTC_BOOT_CDROM;
	const VdDisk *vd = vmblock_vd(vm, vm_dev_name(entry));
	if (vd && vd->type == VD_TYPE_CDROM)
		return RTC_BOOT_CDROM;
	return entry >= VM_DEV_FDA ? RTC_BOOT_FLOPPY : RTC_BOOT_DISK;
}

int vmblock_build(VmBlock *vm, const MachineConfig *base, char *why, size_t whylen)
{
	const VmConf *conf = &vm->config;
	MachineConfig mc = *base;
	mc.memory = conf->memory;
	mc.cpu = cpu_model(conf->cpu);
	mc.cpus = conf->cpus;
	for (int d = 0; d < 4; d++)
		mc.hd[d] = vmblock_vd(vm, vm_dev_name(VM_DEV_HDA + d));
	for (int d = 0; d < 2; d++)
		mc.fd[d] = vmblock_vd(vm, vm_dev_name(VM_DEV_FDA + d));
	/* The config's order by device, as SeaBIOS's classes: floppy, disk, CD-ROM. */
	int nb = 0;
	memset(mc.boot, 0, sizeof(mc.boot));
	for (int i = 0; i < conf->nboot && nb < 3; i++) {
		int code = boot_code(vm, conf->boot[i]);
		bool seen = false;
		for (int j = 0; j < nb; j++)
			seen |= mc.boot[j] == code;
		if (!seen)
			mc.boot[nb++] = code;
	}
	/* (machine_init clears it) */
	Machine *m = hostmem_alloc(sizeof(*m), HOSTMEM_NOCLEAR);
	if (!m) {
		snprintf(why, whylen, "out of memory");
		return VMCP_ENOMEM;
	}
	int r = machine_init(m, &mc, why, whylen);
	if (r) {
		hostmem_free(m, sizeof(*m), HOSTMEM_NOCLEAR);
		return r;
	}
	vm->machine = m;
	return 0;
}

void vmblock_unload(VmBlock *vm)
{
	if (vm->machine) {
		for (u32 i = 0; i < vm->nvd; i++)
			vd_flush(&vm->vddata[i]);
		vmblock_drop_machine(vm);
	}
	if (vm->dasd) {
		release_vds(vm);
		if (vm->own_dasd)
			vmfat_close(vm->dasd);
	}
	VdErr e = vm->err;
	memset(vm, 0, sizeof(*vm));
	vm->err = e;
}

void vmblock_drop_machine(VmBlock *vm)
{
	if (!vm->machine)
		return;
	machine_free(vm->machine);
	hostmem_free(vm->machine, sizeof(*vm->machine), HOSTMEM_NOCLEAR);
	vm->machine = NULL;
}

VdDisk *vmblock_vd(VmBlock *vm, const char *dev)
{
	for (u32 i = 0; i < vm->nvd; i++)
		if (!strcmp(vm->vddata[i].dev, dev))
			return &vm->vddata[i];
	return NULL;
}
