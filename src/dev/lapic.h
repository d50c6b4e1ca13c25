/* lapic.h: the local APIC of one processor, an xAPIC (version 14h, six LVT entries) as
 * in the Pentium 4 and Pentium M, next to a P6-class core.
 *
 * Registers (the 4 KiB page at IA32_APIC_BASE, 0xFEE00000 after reset; the CPU sends
 * its own accesses there: cpu_attach_apic in cpu.h): ID 0x20, version 0x30, TPR 0x80,
 * APR 0x90, PPR 0xA0, EOI 0xB0, LDR 0xD0, DFR 0xE0, SVR 0xF0, ISR 0x100-0x170, TMR
 * 0x180-0x1F0, IRR 0x200-0x270, ESR 0x280, ICR 0x300/0x310, LVT timer 0x320, thermal
 * 0x330, performance counters 0x340, LINT0 0x350, LINT1 0x360, error 0x370, timer
 * initial count 0x380, current count 0x390, divide configuration 0x3E0. Registers are
 * dwords at 16-byte boundaries; a narrower read returns the bytes of the dword, a write
 * other than an aligned dword is ignored, an offset that names no register reads 0 and
 * sets the ESR's illegal-register-address bit.
 *
 * Modelled (Intel SDM vol. 3A chapter 10): priorities (TPR, PPR, APR; IRR, ISR, TMR and
 * the INTR output: the highest requested vector whose priority class is above PPR),
 * the INTA cycle (lapic_ack: IRR to ISR, or the spurious vector), EOI (the highest ISR
 * bit; for a level-triggered vector the EOI goes to the I/O APICs), the software enable
 * (SVR bit 8: the LVT mask bits are set while it is off), the hardware enable
 * (IA32_APIC_BASE.EN: off, LINT0 and LINT1 are the processor's INTR and NMI pins), the
 * LVT: LINT0/LINT1 pins with fixed (edge, or level with remote IRR), NMI, INIT and ExtINT
 * (the 8259A's vector through lapic_ack) delivery; the timer in one-shot and periodic
 * mode counting a 100 MHz bus clock of the machine's virtual clock (exact counts; no
 * TSC-deadline mode, which this CPU does not advertise); the error register (send and
 * receive illegal vector, illegal register address) and the error interrupt; the ICR:
 * fixed, lowest-priority, NMI, INIT (level assert; a level de-assert only synchronises
 * arbitration IDs and does nothing), start-up and ExtINT IPIs, physical and logical
 * (flat and cluster) destinations, the shorthands; delivery status always reads idle
 * (delivery is immediate). Lowest-priority delivery picks the accepting APIC with the
 * lowest PPR, the lowest index on a tie (deterministic; real parts arbitrate).
 * Not modelled: SMI delivery (no SMM), thermal and performance-counter interrupts (the
 * registers are storage), x2APIC, EOI broadcast suppression, focus processor checking
 * (SVR bit 9 is storage), remote read. */
#ifndef VMCP_DEV_LAPIC_H
#define VMCP_DEV_LAPIC_H

#include "base/base.h"
#include "bus/apicmsg.h"
#include "bus/clock.h"

#define LAPIC_BUS_HZ 100000000u /* the timer's input clock */
#define LAPIC_VERSION 0x00050014u /* xAPIC, max LVT entry 5 */

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* ESR bits */
#define LAPIC_ESR_SEND_ILLEGAL 0x20
#define LAPIC_ESR_RECV_ILLEGAL 0x40
#define LAPIC_ESR_ILLEGAL_REG 0x80

/* The processor this APIC belongs to (the board points these at cpu.h functions). */
typedef struct LapicCpu {
	void *ctx;
	void (*intr)(void *ctx, bool level); /* the INTR input */
	void (*nmi)(void *ctx);              /* an NMI (edge) */
	void (*init)(void *ctx);             /* INIT */
	void (*sipi)(void *ctx, u8 vector);  /* a start-up IPI */
} LapicCpu;

typedef struct Lapic {
	/* wiring */
	Clock *clk;
	int index;          /* which processor: the APIC bus source id */
	LapicCpu cpu;
	ApicSendFn send;    /* ICR messages onto the APIC bus */
	void *send_ctx;
	ApicEoiFn eoi;      /* EOI of a level-triggered vector, to the I/O APICs */
	void *eoi_ctx;
	int (*extint_ack)(void *ctx); /* the 8259A's INTA cycle, for ExtINT */
	void *extint_ctx;
	u8 initial_id;      /* the APIC ID after RESET (CPUID.1:EBX[31:24]) */

	/* state */
	bool hw_enabled;    /* IA32_APIC_BASE.EN */
	u32 id, tpr, ldr, dfr, svr;
	u32 esr;            /* what the last ESR write latched */
	u32 esr_pending;    /* errors since the last ESR write */
	u32 icr_lo, icr_hi;
	u32 lvt[LVT_COUNT];
	u32 irr[8], isr[8], tmr[8];
	bool lint[2];       /* the LINT0/LINT1 pin levels */
	bool lint_rirr[2];  /* remote IRR of a level-triggered fixed LINT entry */
	bool extint_msg;    /* an ExtINT message is being asserted on the bus */
	bool intr;          /* the INTR output */
	/* timer */
	u32 tmict, tdcr;
	bool t_active;      /* counting (one-shot not yet expired, or periodic) */
	u64 t_base;         /* bus tick at which the count was t_count0 */
	u32 t_count0;
	u64 t_next;         /* bus tick of the next expiry */
	bool t_resting;     /* periodic, no event armed while an expiry would change
			     * nothing (lapic.c: timer_idle) */
	Timer timer;
} Lapic;

/* Sets up an APIC of processor index with initial APIC ID id, on clock clk, in its
 * power-on state (hardware-enabled, software-disabled). */
void lapic_init(Lapic *l, Clock *clk, int index, u8 id);
/* RESET: the power-on state (the ID back to the initial one). */
void lapic_reset(Lapic *l);
/* INIT (an INIT IPI or the INIT# pin): as RESET but the ID register is kept. */
void lapic_init_reset(Lapic *l);

/* IA32_APIC_BASE was written (cpu.h's CpuApic.msr_changed): bit 11 is the hardware
 * enable; disabling puts the APIC in its power-on state. */
void lapic_msr_changed(void *ctx, u64 value);

/* The register page: offset 0-0xFFF, size 1, 2 or 4 (cpu.h's CpuApic.read/write). */
u32 lapic_read(void *ctx, u32 offset, int size);
void lapic_write(void *ctx, u32 offset, u32 val, int size);

/* The INTA cycle (cpu_set_intr_ack): the vector to take, moved from IRR to ISR; the
 * 8259A's vector for ExtINT; the spurious vector when nothing is deliverable any more. */
int lapic_ack(void *ctx);

/* IrqSetFn for the LINT0 (n = 0) and LINT1 (n = 1) pins; ctx is the Lapic. */
void lapic_set_lint(void *ctx, int n, int level);

/* A message on the APIC bus addressed to this APIC (after destination matching). */
void lapic_accept(Lapic *l, const ApicMsg *msg);

/* Delivers msg to the n local APICs of the machine that it names (destination, mode,
 * shorthand relative to msg->source): the APIC bus. */
void lapic_bus_deliver(Lapic *const *apics, int n, const ApicMsg *msg);

/* The timer's current count at the present virtual time (as register 0x390 reads). */
u32 lapic_timer_count(const Lapic *l);
/* Processor priority (PPR). */
u32 lapic_ppr(const Lapic *l);

#endif
