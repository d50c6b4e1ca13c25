/* dma.h: the PC-AT's two 8237A DMA controllers (channels 0-3 byte-wide, 4-7 word-wide,
 * channel 4 cascading the first controller) and the 74LS612 page registers.
 *
 * Wiring (the board file):
 *   io_map(io, 0x00, 16, &dma1_io_ops, dma);    channels 0-3, byte registers
 *   io_map(io, 0xC0, 32, &dma2_io_ops, dma);    channels 4-7, registers at even ports
 *                                               (odd ports alias them, as on the AT)
 *   io_map(io, 0x81, 15, &dma_page_io_ops, dma); page registers 0x81-0x8F; port 0x80
 *                                               (the POST code port) is not ours
 * All ports take byte accesses. A device (the floppy controller) moves data through a
 * channel with dma_transfer(), or through dma_transfer_cb() wired as its callback. */
#ifndef VMCP_DEV_DMA_H
#define VMCP_DEV_DMA_H

#include "base/base.h"
#include "bus/iobus.h"
#include "bus/membus.h"

typedef struct DmaChannel {
	u16 base_addr, base_count; /* reloaded by auto-initialisation */
	u16 cur_addr, cur_count;
	u8 mode;                   /* mode register bits 7:2 */
} DmaChannel;

typedef struct DmaCtrl {
	DmaChannel ch[4];
	u8 command;
	u8 status;  /* TC bits 3:0 (cleared when read), request bits 7:4 */
	u8 mask;    /* bits 3:0 */
	u8 request; /* software request bits 3:0 */
	u8 temp;
	bool flipflop; /* false: the next address/count byte is the low one */
} DmaCtrl;

typedef struct Dma {
	DmaCtrl c[2];  /* c[0]: channels 0-3, c[1]: channels 4-7 */
	u8 page[16];   /* ports 0x80-0x8F; [0] (port 0x80) unused here */
	MemBus *mem;
} Dma;

/* DMA mode register fields. */
enum {
	DMA_MODE_VERIFY = 0x00,
	DMA_MODE_WRITE = 0x04, /* device to memory */
	DMA_MODE_READ = 0x08,  /* memory to device */
	DMA_MODE_AUTOINIT = 0x10,
	DMA_MODE_DECREMENT = 0x20,
	DMA_MODE_DEMAND = 0x00,
	DMA_MODE_SINGLE = 0x40,
	DMA_MODE_BLOCK = 0x80,
	DMA_MODE_CASCADE = 0xC0,
};

/* Power-on state: every channel masked, registers cleared. mem is where transfers go. */
void dma_init(Dma *d, MemBus *mem);
/* System reset: the same state again (mem stays). */
void dma_reset(Dma *d);

/* A device on channel chan (0-3, 5-7) asks for up to len bytes to move between buf and
 * memory: to_memory true for a device-to-memory (8237 "write") transfer. Runs until len
 * bytes are moved or the channel reaches terminal count, and returns the bytes moved
 * (0 if the channel is masked, in cascade mode, or its controller is disabled; for
 * channels 0-3 also if channel 4 does not pass the cascade through). *tc is set true
 * when the last byte moved reached terminal count (else left unchanged). Addresses wrap
 * inside the 64 KiB (channels 0-3) or 128 KiB (5-7, word units) page as on the AT. A
 * transfer whose direction differs from the channel's mode (or a verify transfer) moves
 * the count but no memory: a device that wanted data gets FFh bytes. */
u32 dma_transfer(Dma *d, int chan, void *buf, u32 len, bool to_memory, bool *tc);

/* The same with the Dma passed as a context pointer, for a device's callback field. */
u32 dma_transfer_cb(void *dma, int chan, void *buf, u32 len, bool to_memory, bool *tc);

/* The physical address channel chan would use next (tests, traces). */
u32 dma_address(const Dma *d, int chan);

extern const IoOps dma1_io_ops;
extern const IoOps dma2_io_ops;
extern const IoOps dma_page_io_ops;

#endif
