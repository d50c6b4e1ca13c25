/* irq.h: an interrupt request line, the wire between a device's IRQ output and whatever
 * the board file connects it to (a PIC input, the CPU's INTR, the ACPI SCI...).
 * A device holds IrqLine fields and calls irq_set(); it never names the PIC. An
 * unconnected line (fn == NULL) does nothing. Levels: 0 low, 1 high. Edge-triggered
 * inputs see a 0->1 transition; irq_pulse() makes one. */
#ifndef VMCP_BUS_IRQ_H
#define VMCP_BUS_IRQ_H

typedef void (*IrqSetFn)(void *ctx, int n, int level);

typedef struct IrqLine {
	IrqSetFn fn;
	void *ctx;
	int n; /* which input of the receiver */
} IrqLine;

static inline void irq_connect(IrqLine *l, IrqSetFn fn, void *ctx, int n)
{
	l->fn = fn;
	l->ctx = ctx;
	l->n = n;
}

static inline void irq_set(const IrqLine *l, int level)
{
	if (l->fn)
		l->fn(l->ctx, l->n, level);
}

static inline void irq_pulse(const IrqLine *l)
{
	irq_set(l, 1);
	irq_set(l, 0);
}

#endif
