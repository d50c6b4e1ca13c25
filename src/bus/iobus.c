/* iobus.c: port dispatch with size splitting, unmapped-port behaviour, trace hook. */
#include "bus/iobus.h"

#include <stddef.h>
#include <string.h>

#include "base/err.h"

void io_init(IoBus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

void io_clear(IoBus *bus)
{
	hostmem_clear_marked(bus->port, sizeof(bus->port), bus->table_dirty);
	memset(bus->logged, 0, sizeof(*bus) - offsetof(IoBus, logged));
}

int io_map(IoBus *bus, u16 base, u32 count, const IoOps *ops, void *ctx)
{
	if ((u32)base + count > IO_PORTS)
		return VMCP_ERANGE;
	for (u32 i = 0; i < count; i++)
		if (bus->port[base + i].ops)
			return VMCP_EEXIST;
	if (count)
		hostmem_mark(bus->table_dirty, base * sizeof(IoPort), (base + count - 1) * sizeof(IoPort));
	for (u32 i = 0; i < count; i++)
		bus->port[base + i] = (IoPort){ops, ctx};
	return 0;
}

void io_unmap(IoBus *bus, u16 base, u32 count)
{
	for (u32 i = 0; i < count && base + i < IO_PORTS; i++)
		bus->port[base + i] = (IoPort){0};
}

static void set_bits(u8 *map, u32 *n, u16 base, u32 count, bool on)
{
	for (u32 i = 0; i < count && base + i < IO_PORTS; i++) {
		u32 p = base + i;
		bool was = io_bit(map, p);
		if (on && !was) {
			map[p >> 3] |= (u8)(1 << (p & 7));
			(*n)++;
		} else if (!on && was) {
			map[p >> 3] &= (u8)~(1 << (p & 7));
			(*n)--;
		}
	}
}

void io_set_trap(IoBus *bus, u16 base, u32 count, bool on)
{
	set_bits(bus->trap, &bus->ntrap, base, count, on);
}

void io_set_trace(IoBus *bus, u16 base, u32 count, bool on)
{
	set_bits(bus->trace, &bus->ntrace, base, count, on);
}

void io_set_trace_fn(IoBus *bus, IoTraceFn fn, void *ctx)
{
	bus->trace_fn = fn;
	bus->trace_ctx = ctx;
}

static void log_unmapped(IoBus *bus, u16 port, bool write, u32 val, int size)
{
	if (io_bit(bus->logged, port))
		return;
	bus->logged[port >> 3] |= (u8)(1 << (port & 7));
	if (write)
		log_printf(LOG_INFO, "unmapped port %04x written (%d bytes, %x)", port, size, val);
	else
		log_printf(LOG_INFO, "unmapped port %04x read (%d bytes)", port, size);
}

/* True if the device at port takes an access of this size whole: it accepts the size
 * and owns every port the access covers. */
static bool whole(const IoBus *bus, u16 port, int size)
{
	const IoPort *p = &bus->port[port];
	u8 sizes = p->ops->sizes ? p->ops->sizes : 1;
	if (!(sizes & size))
		return false;
	for (int i = 1; i < size; i++) {
		u32 q = (u32)port + i;
		if (q >= IO_PORTS || bus->port[q].ops != p->ops || bus->port[q].ctx != p->ctx)
			return false;
	}
	return true;
}

static u32 do_read(IoBus *bus, u16 port, int size)
{
	const IoPort *p = &bus->port[port];
	if (!p->ops) {
		log_unmapped(bus, port, false, 0, size);
		if (size == 1)
			return 0xFF;
		/* Each byte lane may belong to a different device: split. */
		int h = size / 2;
		u32 lo = do_read(bus, port, h), hi = do_read(bus, (u16)(port + h), h);
		return lo | hi << (8 * h);
	}
	if (size == 1 || whole(bus, port, size)) {
		u32 v = p->ops->read ? p->ops->read(p->ctx, port, size) : 0xFFFFFFFFu;
		return size == 4 ? v : v & ((1u << (8 * size)) - 1);
	}
	int h = size / 2;
	u32 lo = do_read(bus, port, h), hi = do_read(bus, (u16)(port + h), h);
	return lo | hi << (8 * h);
}

static void do_write(IoBus *bus, u16 port, u32 val, int size)
{
	const IoPort *p = &bus->port[port];
	if (size != 4)
		val &= (1u << (8 * size)) - 1;
	if (!p->ops && size == 1) {
		log_unmapped(bus, port, true, val, size);
		return;
	}
	if (p->ops && (size == 1 || whole(bus, port, size))) {
		if (p->ops->write)
			p->ops->write(p->ctx, port, val, size);
		return;
	}
	int h = size / 2;
	do_write(bus, port, val & ((1u << (8 * h)) - 1), h);
	do_write(bus, (u16)(port + h), val >> (8 * h), h);
}

u32 io_read(IoBus *bus, u16 port, int size)
{
	assert(size == 1 || size == 2 || size == 4);
	u32 v = do_read(bus, port, size);
	if (unlikely(bus->ntrace) && bus->trace_fn) {
		for (int i = 0; i < size; i++) {
			if (io_bit(bus->trace, (u32)port + i)) {
				bus->trace_fn(bus->trace_ctx, port, size, false, v);
				break;
			}
		}
	}
	return v;
}

void io_write(IoBus *bus, u16 port, u32 val, int size)
{
	assert(size == 1 || size == 2 || size == 4);
	do_write(bus, port, val, size);
	if (unlikely(bus->ntrace) && bus->trace_fn) {
		for (int i = 0; i < size; i++) {
			if (io_bit(bus->trace, (u32)port + i)) {
				bus->trace_fn(bus->trace_ctx, port, size, true,
					      size == 4 ? val : val & ((1u << (8 * size)) - 1));
				break;
			}
		}
	}
}
