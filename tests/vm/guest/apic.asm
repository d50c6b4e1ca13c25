; apic.asm: the local APIC and the I/O APIC seen from a guest on the whole board (`vmcp
; ipl --bios`, tests/vm/apic_test.sh), in 32-bit protected mode (tests/cpu/pm/lib.inc).
; One line per check on port E9h; the test script compares them with what the SDM and
; the 82093AA datasheet say, and with the virtual clock's exact counts (100 million
; instructions and 100 MHz of APIC bus clock per virtual second: the TSC counts one per
; instruction time, the APIC timer at divide 1 one per 10 ns).
;  - IA32_APIC_BASE, CPUID's APIC bit and ID, the registers after RESET; the APIC
;    hardware-disabled (nothing at its page, CPUID bit clear) and moved, a reserved bit
;    (#GP);
;  - the timer: one-shot while halted and periodic while busy, the TSC at each interrupt
;    against the TSC at the write of the initial count; the current count one and three
;    instructions after the write, at divide 1 and 2;
;  - priorities: self IPIs taken highest first, nesting of a higher class only, TPR;
;  - virtual wire: the 8259A's IRQ0 through LINT0 in ExtINT mode;
;  - the I/O APIC: the PIT on pin 0 (edge), the ACPI SCI on pin 9 (level): remote IRR
;    set while in service, the interrupt again after an EOI while the SCI stays high,
;    remote IRR clear after the handler quiets the SCI.
%include "lib.inc"
%include "pc.inc"

APIC   equ 0xFEE00000
IOAPIC equ 0xFEC00000
PMBA   equ 0xB000

	absolute u_vars
v_t0:	resd 1
v_n:	resd 1          ; timer interrupts
v_ts:	resd 8          ; TSC (low) at each
v_nlog:	resd 1
v_log:	resb 16         ; vectors in the order handled
v_ppr:	resd 1
v_irqs:	resd 1
v_rirr:	resd 4
v_pmtmr: resd 1
	section .text

%macro LW 2                     ; local APIC register write
	mov dword [APIC + %1], %2
%endmacro
%macro SELF 1                   ; fixed self IPI
	mov dword [APIC + 0x300], 0x00044000 | (%1)
%endmacro
%macro IOW 2                    ; I/O APIC register write
	mov dword [IOAPIC], %1
	mov dword [IOAPIC + 0x10], %2
%endmacro
%macro IOR 1                    ; I/O APIC register read into EAX
	mov dword [IOAPIC], %1
	mov eax, [IOAPIC + 0x10]
%endmacro
%macro LOGISR 1
isr_%1:
	push eax
	mov al, %1
	jmp log_eoi
%endmacro

main:
	PR {"apic: local APIC and I/O APIC", 10}
	SETGATE IDT_SLOT(0x40), SEL_CODE32, timer_isr, GATE_INT32
	SETGATE IDT_SLOT(0x43), SEL_CODE32, isr_0x43, GATE_INT32
	SETGATE IDT_SLOT(0x51), SEL_CODE32, isr_0x51, GATE_INT32
	SETGATE IDT_SLOT(0x61), SEL_CODE32, isr_0x61, GATE_INT32
	SETGATE IDT_SLOT(0x62), SEL_CODE32, isr_0x62, GATE_INT32
	SETGATE IDT_SLOT(0x65), SEL_CODE32, isr_0x65, GATE_INT32
	SETGATE IDT_SLOT(0x71), SEL_CODE32, isr_0x71, GATE_INT32
	SETGATE IDT_SLOT(0x85), SEL_CODE32, isr_0x85, GATE_INT32
	SETGATE IDT_SLOT(0x20), SEL_CODE32, pic_irq0, GATE_INT32
	SETGATE IDT_SLOT(0x50), SEL_CODE32, io_irq0, GATE_INT32
	SETGATE IDT_SLOT(0x59), SEL_CODE32, sci_isr, GATE_INT32

	;--- IA32_APIC_BASE, CPUID, registers after RESET.
	mov ecx, 0x1B
	rdmsr
	PR "apic base msr="
	PRX 8, edx
	PRX 8, eax
	NL
	mov eax, 1
	cpuid
	PR "cpuid.1 edx.apic="
	shr edx, 9
	and edx, 1
	PRX 1, edx
	PR " ebx.id="
	shr ebx, 24
	PRX 2, ebx
	NL
	PR "id="
	PRX 8, [APIC + 0x20]
	PR " version="
	PRX 8, [APIC + 0x30]
	PR " svr="
	PRX 8, [APIC + 0xF0]
	PR " dfr="
	PRX 8, [APIC + 0xE0]
	PR " lint0="
	PRX 8, [APIC + 0x350]
	PR " timer="
	PRX 8, [APIC + 0x320]
	NL
	;--- Hardware-disabled: its page is plain (empty) bus, CPUID says no APIC.
	mov ecx, 0x1B
	xor edx, edx
	mov eax, 0xFEE00100
	wrmsr
	mov eax, 1
	cpuid
	shr edx, 9
	and edx, 1
	PR "disabled: cpuid.apic="
	PRX 1, edx
	PR " version reads "
	PRX 8, [APIC + 0x30]
	NL
	;--- Moved to 0xFEF00000 (and enabled again: back to the RESET state).
	mov ecx, 0x1B
	xor edx, edx
	mov eax, 0xFEF00900
	wrmsr
	PR "moved: at fef00030 "
	PRX 8, [0xFEF00030]
	PR ", at fee00030 "
	PRX 8, [APIC + 0x30]
	NL
	mov eax, 0xFEE00900
	wrmsr
	TRY "wrmsr apic base with bit 10 (x2apic)"
	mov ecx, 0x1B
	xor edx, edx
	mov eax, 0xFEE00D00
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr apic base with bit 36"
	mov ecx, 0x1B
	mov edx, 0x10
	mov eax, 0xFEE00900
	AT
	wrmsr
	ENDTRY

	;--- Software enable; the timer.
	LW 0xF0, 0x1FF
	LW 0x3E0, 0xB                   ; divide by 1
	LW 0x320, 0x40                  ; one-shot, vector 40h
	mov dword [v_n], 0
	rdtsc
	mov [v_t0], eax
	LW 0x380, 10000                 ; two instructions after the RDTSC
	sti
	hlt
	cli
	mov eax, [v_ts]
	sub eax, [v_t0]
	PR "one-shot 10000 while halted: tsc at the interrupt - tsc at rdtsc="
	PRX 8, eax
	PR " count now="
	PRX 8, [APIC + 0x390]
	NL
	; the current count, one instruction after the write (divide 1: 1 count per 10 ns)
	LW 0x380, 50000
	mov eax, [APIC + 0x390]
	mov ebx, [APIC + 0x390]
	PR "divide 1: count after 1, 2 instructions="
	PRX 8, eax
	PR " "
	PRX 8, ebx
	NL
	LW 0x3E0, 0x0                   ; divide by 2
	LW 0x380, 50000
	mov eax, [APIC + 0x390]
	nop
	mov ebx, [APIC + 0x390]
	PR "divide 2: count after 1, 3 instructions="
	PRX 8, eax
	PR " "
	PRX 8, ebx
	NL
	LW 0x380, 0
	; periodic while the CPU is busy in a loop
	LW 0x3E0, 0xB
	LW 0x320, 0x20040
	mov dword [v_n], 0
	rdtsc
	mov [v_t0], eax
	LW 0x380, 1000
	sti
.spin:	cmp dword [v_n], 5
	jb .spin
	cli
	LW 0x380, 0
	PR "periodic 1000 while busy: tsc deltas="
	mov eax, [v_ts]
	sub eax, [v_t0]
	PRX 8, eax
	mov esi, 1
.d:	mov eax, [v_ts + esi * 4]
	sub eax, [v_ts + esi * 4 - 4]
	PR " "
	PRX 8, eax
	inc esi
	cmp esi, 5
	jb .d
	NL
	LW 0x320, 0x10040

	;--- Priorities with self IPIs.
	mov dword [v_nlog], 0
	SELF 0x51
	SELF 0x62
	SELF 0x43
	PR "irr 40-5f="
	PRX 8, [APIC + 0x220]
	PR " irr 60-7f="
	PRX 8, [APIC + 0x230]
	PR " ppr="
	PRX 2, [APIC + 0xA0]
	NL
	sti
	nop
	cli
	PR "taken: "
	call pr_log
	; a higher class nests, the same or a lower one waits for the EOI
	mov dword [v_nlog], 0
	SELF 0x71
	sti
	nop
	cli
	PR "nesting: "
	call pr_log
	PR "ppr inside 85: "
	PRX 2, [v_ppr]
	NL
	; TPR
	mov dword [v_nlog], 0
	LW 0x80, 0x50
	sti
	SELF 0x43
	SELF 0x61
	nop
	cli
	PR "tpr 50: taken: "
	call pr_log
	PR "tpr 50: isr/irr of 43: "
	mov eax, [APIC + 0x120]
	shr eax, 3
	and eax, 1
	PRX 1, eax
	mov eax, [APIC + 0x220]
	shr eax, 3
	and eax, 1
	PRX 1, eax
	NL
	sti
	LW 0x80, 0
	nop
	cli
	PR "tpr 0: taken: "
	call pr_log

	;--- Virtual wire: the 8259A's IRQ0 through LINT0 (ExtINT).
	call pic_init
	LW 0x350, 0x700
	call pit_start
	mov dword [v_irqs], 0
	sti
.w1:	hlt
	cmp dword [v_irqs], 3
	jb .w1
	cli
	LW 0x350, 0x10700
	mov al, 0xFF
	out 0x21, al
	PR "extint: irqs="
	PRX 2, [v_irqs]
	PR " apic isr 00-1f="
	PRX 8, [APIC + 0x100]
	NL

	;--- I/O APIC: version, the PIT on pin 0 (edge).
	IOR 1
	PR "ioapic version="
	PRX 8, eax
	IOR 0x10
	PR " entry 0="
	PRX 8, eax
	NL
	IOW 0x11, 0
	IOW 0x10, 0x50                  ; vector 50h, fixed, physical, edge, high, to 0
	mov dword [v_irqs], 0
	sti
.w2:	hlt
	cmp dword [v_irqs], 3
	jb .w2
	cli
	IOW 0x10, 0x10050
	IOR 0x10
	PR "ioapic pin 0 (pit, edge): irqs="
	PRX 2, [v_irqs]
	PR " entry="
	PRX 8, eax
	NL
	call pit_stop

	;--- I/O APIC: the ACPI SCI on pin 9, level-triggered.
	mov eax, 0x80000B40             ; 00:01.3 PMBA
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov eax, PMBA | 1
	out dx, eax
	mov eax, 0x80000B80             ; PMREGMISC: PM I/O on
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov al, 1
	out dx, al
	IOW 0x23, 0
	IOW 0x22, 0x8059                ; vector 59h, fixed, level, active high, to 0
	mov dword [v_irqs], 0
	mov dx, PMBA + 2
	mov ax, 1                       ; PM1_EN.TMROF_EN
	out dx, ax
	mov dx, PMBA + 4
	mov ax, 1                       ; PM1_CNT.SCI_EN
	out dx, ax
	sti
.w3:	hlt                             ; the PM timer's bit 23 changes after 2.34 s
	cmp dword [v_irqs], 2
	jb .w3
	cli
	IOR 0x22
	PR "ioapic pin 9 (sci, level): irqs="
	PRX 2, [v_irqs]
	PR " remote irr in the handler="
	PRX 1, [v_rirr]
	PRX 1, [v_rirr + 4]
	PR " after="
	shr eax, 14
	and eax, 1
	PRX 1, eax
	PR " pm timer at the first="
	PRX 6, [v_pmtmr]
	NL

	FINISH "apic"

;--- Handlers.
timer_isr:
	push eax
	push edx
	rdtsc
	push ebx
	mov ebx, [v_n]
	and ebx, 7
	mov [v_ts + ebx * 4], eax
	inc dword [v_n]
	LW 0xB0, 0
	pop ebx
	pop edx
	pop eax
	iretd

	LOGISR 0x43
	LOGISR 0x51
	LOGISR 0x61
	LOGISR 0x62
	LOGISR 0x65
log_eoi:                                ; AL = vector, EAX pushed
	call log_byte
	LW 0xB0, 0
	pop eax
	iretd
log_byte:
	push ebx
	mov ebx, [v_nlog]
	and ebx, 15
	mov [v_log + ebx], al
	inc dword [v_nlog]
	pop ebx
	ret
isr_0x71:                               ; asks for 85h and 65h, opens interrupts
	push eax
	mov al, 0x71
	call log_byte
	SELF 0x85
	SELF 0x65
	sti
	nop                                     ; 85h nests here; 65h is the same class as 70h
	nop
	cli
	mov al, 0xF1
	call log_byte
	LW 0xB0, 0
	pop eax
	iretd
isr_0x85:
	push eax
	mov al, 0x85
	call log_byte
	mov eax, [APIC + 0xA0]
	mov [v_ppr], eax
	LW 0xB0, 0
	pop eax
	iretd

pr_log:                                 ; the logged vectors, then a new line
	pushad
	xor esi, esi
.l:	cmp esi, [v_nlog]
	jae .e
	movzx eax, byte [v_log + esi]
	PRX 2, eax
	mov al, ' '
	call pr_char
	inc esi
	jmp .l
.e:	NL
	popad
	ret

pic_irq0:                               ; the 8259A's IRQ0 (vector 20h)
	inc dword [v_irqs]
	push eax
	mov al, 0x20
	out 0x20, al
	pop eax
	iretd
io_irq0:                                ; the PIT through the I/O APIC
	inc dword [v_irqs]
	LW 0xB0, 0
	iretd
sci_isr:                                ; the SCI: the first time, EOI only
	push eax
	push edx
	push ebx
	mov ebx, [v_irqs]
	and ebx, 3
	jnz .rd
	mov dx, PMBA + 8
	in eax, dx
	and eax, 0xFFFFFF
	mov [v_pmtmr], eax
.rd:	IOR 0x22
	shr eax, 14
	and eax, 1
	mov [v_rirr + ebx * 4], eax
	inc dword [v_irqs]
	cmp dword [v_irqs], 2
	jb .eoi
	mov dx, PMBA                    ; the second time: TMROF_STS cleared, SCI falls
	mov ax, 1
	out dx, ax
.eoi:	LW 0xB0, 0
	pop ebx
	pop edx
	pop eax
	iretd

pic_init:
	PIC_INIT_IRQ0
	ret
pit_start:
	PIT_1KHZ
	ret
pit_stop:                               ; counter 0 in mode 0 waiting for a count
	mov al, 0x30
	out 0x43, al
	ret

%include "end.inc"
