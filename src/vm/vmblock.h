/* vmblock.h: the VMBLOCK, the control block the CP builds for each VM (the paper,
 * section 2: "a data structure belonging to that VM alone"): the VM's name, its parsed
 * config file, and its VDDATA, the VdDisks copied from its VDDs when the VM is loaded
 * ("at VM start it is reflected into the VDDATA part of the VMBLOCK"), through which the
 * VD manager relocates every guest sector. The hardware (CPU, buses, clock, devices) is
 * the Machine (machine.h) that `vmcp ipl` builds from it; both are plain structs the
 * caller owns (no global state: one process may hold many).
 *
 * Loading takes the VD lock of every VD of the VM (vmfat.h), so no other VM can load
 * them and `vmcp delete`/`vd resize`/`vd import` refuse them until vmblock_unload. */
#ifndef VMCP_VM_VMBLOCK_H
#define VMCP_VM_VMBLOCK_H

#include "base/base.h"
#include "conf/conf.h"
#include "vd/vd.h"
#include "vd/vmfat.h"
#include "vm/machine.h"

#define VM_MAX_VDS VM_DEV_COUNT

typedef struct VmBlock {
	char name[VM_NAME_MAX + 1];
	VmConf config;           /* the config file, parsed */
	/* VDDATA: one VdDisk per VD, in device order (hda..hdd, fda, fdb). */
	u32 nvd;
	VdDisk vddata[VM_MAX_VDS];
	u32 vdd_id[VM_MAX_VDS];  /* the VDD each came from (its lock) */
	Vmfat *dasd;             /* the real disk, open for this VM: holds the VD locks */
	bool own_dasd;
	VdErr err;               /* why the last vmblock_load failed (numbered message) */
	Machine *machine;        /* the virtual PC-AT, once vmblock_build made it */
} VmBlock;

/* Loads VM `name` from the real disk at path dasd (NULL: $VMCP_DASD, else ./vmcp.dasd):
 * parses its config file, copies its VDDs into VDDATA and locks its VDs. Returns 0, or
 * a VMCP_E* code with vm->err holding the message: VMCP_ENOENT (no such VM),
 * VMCP_EBUSY (a VD in use by another VM), VMCP_ECORRUPT/VMCP_EINVAL (damaged or invalid
 * files), or an open error. On failure nothing stays open or locked. */
int vmblock_load(const char *dasd, const char *name, VmBlock *vm);
/* The same on a real disk already open (not closed by vmblock_unload); tests use it with
 * in-memory and fault-injecting backends. */
int vmblock_load_from(Vmfat *v, const char *name, VmBlock *vm);
/* Builds the VM's machine from its config file and VDDATA: memory, CPU model, the VDs
 * on IDE (hda..hdd) and the floppy controller (fda, fdb), SeaBIOS's boot order. base
 * gives what the config file does not say (firmware, host callbacks, virtual speed, RTC
 * start); its memory, cpu, hd, fd and boot fields are ignored. Returns 0, or a VMCP_E*
 * code with the reason in why. */
int vmblock_build(VmBlock *vm, const MachineConfig *base, char *why, size_t whylen);
/* Ends the machine vmblock_build made (without flushing the VDs: vmblock_unload does),
 * so that another can be built; the VDs and locks stay. Safe without one. */
void vmblock_drop_machine(VmBlock *vm);
/* Releases the machine (flushing every VD), the VD locks and the real disk. Safe on a
 * zeroed or unloaded VmBlock. */
void vmblock_unload(VmBlock *vm);
/* The VD of device dev ("hda"), or NULL if the VM has none there. */
VdDisk *vmblock_vd(VmBlock *vm, const char *dev);

/* The real disk a command uses when none is named: $VMCP_DASD, else "vmcp.dasd". */
const char *vmblock_default_dasd(void);

#endif
