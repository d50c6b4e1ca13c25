/* pci.h: the PCI bus of a PC: configuration mechanism #1 (CONFADD at 0xCF8, CONFDATA at
 * 0xCFC-0xCFF) and a small framework for the PCI functions on bus 0.
 *
 * A PciDev is one function's 256-byte configuration space with per-byte write masks
 * (wmask) and write-one-to-clear masks (w1c), the power-on image restored by
 * pci_dev_reset(), and up to six BARs plus the expansion ROM BAR. A BAR's mapping
 * follows its value and the command register's I/O and memory enables: an I/O BAR
 * io_map()s the IoOps the board attached at the programmed port, a memory BAR
 * mem_map_mmio()s its MmioOps, the ROM BAR maps its image read-only. The base is chosen
 * by the guest, so the ops behind a BAR must decode with port & (size - 1) (MMIO:
 * addr & (size - 1)). A BAR is mapped only where nothing else is (an I/O range with a
 * port already taken, or memory already holding RAM, ROM or another device, stays
 * unmapped: the first claimant wins, as io_map's EEXIST), and I/O BARs only below 64K.
 *
 * The device that owns a PciDev (the i440FX, the PIIX3, a VGA card...) sets its fixed
 * registers and masks at init and may hook reads (dynamic registers) and writes (to act
 * on its own registers, e.g. PAM or PIRQ routing). Reference: PCI Local Bus
 * Specification 2.1, chapter 6 (configuration space) and 3.7.4 (mechanism #1); Intel
 * 82441FX (i440FX) datasheet 3.1 for CONFADD/CONFDATA.
 *
 * Not modelled: buses other than 0 (no PCI-PCI bridges: their configuration cycles read
 * all ones), configuration mechanism #2, special cycles, 64-bit BARs, capabilities. */
#ifndef VMCP_DEV_PCI_H
#define VMCP_DEV_PCI_H

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/membus.h"

/* Configuration space offsets (type 0 header). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0A
#define PCI_CACHE_LINE_SIZE 0x0C
#define PCI_LATENCY_TIMER 0x0D
#define PCI_HEADER_TYPE 0x0E
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2C
#define PCI_SUBSYSTEM_ID 0x2E
#define PCI_ROM_ADDRESS 0x30
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_PARITY 0x0040
#define PCI_COMMAND_SERR 0x0100

#define PCI_HEADER_MULTIFUNCTION 0x80

#define PCI_DEVFN(dev, fn) ((u8)(((dev) << 3) | (fn)))
#define PCI_BDF(bus, dev, fn) ((u16)((bus) << 8 | (dev) << 3 | (fn)))

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6
#define PCI_UNMAPPED 0xFFFFFFFFu

enum { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM, PCI_BAR_ROM };

typedef struct PciDev PciDev;
typedef struct PciBus PciBus;

typedef struct PciBar {
	u32 size;  /* bytes, a power of two; 0: not implemented */
	u8 kind;   /* PCI_BAR_* */
	const IoOps *io_ops; /* PCI_BAR_IO: attached by the board (NULL: decodes nothing) */
	void *io_ctx;
	const MmioOps *mmio_ops; /* PCI_BAR_MEM */
	void *mmio_ctx;
	u8 *rom;       /* PCI_BAR_ROM: the image padded to size bytes (owned) */
	u32 mapped_at; /* base mapped on the bus now, or PCI_UNMAPPED */
} PciBar;

struct PciDev {
	u8 cfg[256];
	u8 wmask[256];     /* bits a configuration write may change */
	u8 w1c[256];       /* bits a configuration write of 1 clears */
	u8 reset_cfg[256]; /* the power-on image (taken by pci_register) */
	PciBar bar[PCI_NUM_BARS + 1];
	PciBus *bus; /* NULL until registered */
	u8 devfn;
	const char *name;
	void *owner; /* the device struct that holds this function, for the hooks */
	/* Optional hooks. read: returns the value to give for a read of size bytes at off,
	 * given the stored bytes val. written: called after a configuration write has
	 * updated bytes [off, off + size) and the BAR mappings. */
	u32 (*read)(PciDev *d, u8 off, int size, u32 val);
	void (*written)(PciDev *d, u8 off, int size);
};

struct PciBus {
	PciDev *dev[256]; /* bus 0, by devfn */
	IoBus *io;
	MemBus *mem;
	u32 confadd; /* CONFADD: bit 31 enable, 23:16 bus, 15:8 devfn, 7:2 register */
	/* Where byte and word accesses to 0xCF8-0xCFB go: on a PC they are ordinary I/O
	 * cycles, and the PIIX3's reset control register at 0xCF9 claims one of them. */
	const IoOps *other_ops;
	void *other_ctx;
};

/* Ports 0xCF8-0xCFF (8 ports, sizes 1, 2 and 4). The board maps them:
 * io_map(io, 0xCF8, 8, &pci_host_io_ops, &vm->pci). */
extern const IoOps pci_host_io_ops;

/* Sets up an empty bus 0 whose BARs map onto io and mem. */
void pci_bus_init(PciBus *bus, IoBus *io, MemBus *mem);

/* System reset of the host side: CONFADD back to 0. (Each function is reset by its
 * device's reset, which calls pci_dev_reset.) */
void pci_bus_reset(PciBus *bus);

/* Routes byte/word accesses to 0xCF8-0xCFB to ops/ctx (the PIIX3's 0xCF9). The ops
 * receive byte accesses only. */
void pci_bus_set_other(PciBus *bus, const IoOps *ops, void *ctx);

/* Puts d at devfn on the bus and records its current configuration as its power-on
 * image. Returns 0, or VMCP_EEXIST if devfn is taken. */
int pci_register(PciBus *bus, PciDev *d, u8 devfn);

/* Configuration access from the host side (the board, the CP, tests), the same path as
 * the guest's CONFDATA accesses: an absent function reads all ones. bdf: bus 8 bits,
 * device 5, function 3; off + size must not pass 256 (asserted). */
u32 pci_cfg_read(PciBus *bus, u16 bdf, u8 off, int size);
void pci_cfg_write(PciBus *bus, u16 bdf, u8 off, u32 val, int size);

/* Initialises a type 0 header: IDs, revision, class (class << 16 | subclass << 8 |
 * prog-if), header type; command bits IO|MEMORY|MASTER|PARITY|SERR writable, status
 * error bits write-one-to-clear, cache line size, latency timer and interrupt line
 * writable; everything else read-only zero until the device says otherwise. */
void pci_dev_init(PciDev *d, const char *name, u16 vendor, u16 device, u8 rev, u32 class_code,
		  u8 header_type);

/* Declares BAR i (0-5) as an I/O BAR of size bytes (a power of two, 4..256) decoding
 * to ops/ctx (either may be NULL and attached later with pci_dev_attach_io). */
void pci_dev_set_bar_io(PciDev *d, int i, u32 size, const IoOps *ops, void *ctx);
/* Attaches ops/ctx to I/O BAR i and maps it if the BAR is enabled. */
void pci_dev_attach_io(PciDev *d, int i, const IoOps *ops, void *ctx);
/* Declares BAR i as a 32-bit memory BAR of size bytes (a power of two, >= 4 KiB). */
void pci_dev_set_bar_mem(PciDev *d, int i, u32 size, bool prefetch, const MmioOps *ops,
			 void *ctx);
/* Gives the function an expansion ROM (BAR at 0x30) holding a copy of image, its size
 * rounded up to a power of two of at least 4 KiB and padded with 0xFF. Returns 0,
 * VMCP_EINVAL for an empty image or one over 16 MiB, VMCP_ENOMEM. */
int pci_dev_set_rom(PciDev *d, const u8 *image, u32 len);
/* Frees what pci_dev_set_rom allocated (after unmapping it). */
void pci_dev_free(PciDev *d);

/* Sets the interrupt pin register (1-4 for INTA#-INTD#, 0 none). */
void pci_dev_set_pin(PciDev *d, u8 pin);

/* Back to the power-on configuration; BARs unmapped. */
void pci_dev_reset(PciDev *d);

/* Re-evaluates every BAR's mapping from the configuration (done after every write). */
void pci_dev_update_bars(PciDev *d);

/* Raw configuration-space accessors for the owning device (no masks, no hooks). */
static inline u8 pci_get8(const PciDev *d, u8 off) { return d->cfg[off]; }
static inline u16 pci_get16(const PciDev *d, u8 off) { return get_le16(&d->cfg[off]); }
static inline u32 pci_get32(const PciDev *d, u8 off) { return get_le32(&d->cfg[off]); }
static inline void pci_set8(PciDev *d, u8 off, u8 v) { d->cfg[off] = v; }
static inline void pci_set16(PciDev *d, u8 off, u16 v) { put_le16(&d->cfg[off], v); }
static inline void pci_set32(PciDev *d, u8 off, u32 v) { put_le32(&d->cfg[off], v); }
static inline void pci_set_wmask8(PciDev *d, u8 off, u8 m) { d->wmask[off] = m; }
static inline void pci_set_wmask16(PciDev *d, u8 off, u16 m) { put_le16(&d->wmask[off], m); }
static inline void pci_set_wmask32(PciDev *d, u8 off, u32 m) { put_le32(&d->wmask[off], m); }

/* True if a write of size bytes at off touched any byte of [reg, reg + len). */
static inline bool pci_touched(u8 off, int size, u8 reg, int len)
{
	return off < reg + len && reg < off + size;
}

#endif
