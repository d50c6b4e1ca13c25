/* irq.h: an interrupt request line, the wire between a device's IRQ output and whatever
 * the board file connects it to (a PIC input, the CPU's INTR, the ACPI SCI...).
 * A device holds IrqLine fields and calls irq_set(); it never names the PIC. An
 * unconnected line (fn == NULL) does nothing. Levels: 0 low, 1 high. Edge-triggered
 * inputs see a 0->1 transition; irq_pulse() makes one.
 *
 * Quiet inputs: a source that changes level often (the PIT's OUT0 at a high rate) may ask
 * irq_quiet() whether a change of its line could alter anything the receivers hold now
 * (for instance an edge-triggered request already latched, or a masked edge input). While
 * the answer is yes it may stop driving the line; every receiver that says so calls its
 * IrqSync hook *before* any change of its own state that could make the input matter
 * again, and the source then brings the line up to date (the changes it skipped land
 * while they still change nothing) and drives it again. */
#ifndef VMCP_BUS_IRQ_H
#define VMCP_BUS_IRQ_H

#include <stdbool.h>

typedef void (*IrqSetFn)(void *ctx, int n, int level);
typedef bool (*IrqQuietFn)(void *ctx, int n);

typedef struct IrqLine {
	IrqSetFn fn;
	IrqQuietFn quiet; /* optional: see irq_quiet() */
	void *ctx;
	int n; /* which input of the receiver */
} IrqLine;

/* A receiver's hook back to its quiet sources (see above); fn NULL: none. */
typedef struct IrqSync {
	void (*fn)(void *ctx);
	void *ctx;
} IrqSync;

static inline void irq_connect(IrqLine *l, IrqSetFn fn, void *ctx, int n)
{
	l->fn = fn;
	l->quiet = NULL;
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

/* True when a change of the line's level could change nothing at its receivers until
 * they call their IrqSync hook. An unconnected line is quiet. */
static inline bool irq_quiet(const IrqLine *l)
{
	if (!l->fn)
		return true;
	return l->quiet && l->quiet(l->ctx, l->n);
}

static inline void irq_sync(const IrqSync *s)
{
	if (s->fn)
		s->fn(s->ctx);
}

#endif
