; pm_io.asm: I/O protection and interrupts. IN/OUT/INS/OUTS from ring 3 against IOPL
; and the TSS I/O permission bitmap (#GP(0) for a denied port, every byte of a wider
; access checked, the bitmap's 2-byte read against the TSS limit, an I/O map base past
; the limit), CLI/STI/POPF/IRET under IOPL; then hardware interrupts: the 8259A and
; 8254 channel 0 programmed as a PC BIOS does, HLT woken by IRQ0 (return after the
; HLT), the one-instruction interrupt shadow after STI, and the EXT bit when the IRQ's
; IDT entry is not present or past the IDT limit (#NP/#GP(vector*8+3)).
; References: Intel SDM vol. 1 18.5 (I/O permission bit map), vol. 3 6.8.3 (masking
; after STI / MOV SS), 6.13 (EXT bit); 8259A and 8254 datasheets.
%include "lib.inc"

SEL_TSS2  equ 0x58      ; descriptors of the same TSS with other limits
SEL_TSS3  equ 0x60
PIT_COUNT equ 0x2000

	absolute u_vars
u_irqs:		resd 1
u_irq_eip:	resd 1
u_buf:		resb 16
	section .text

main:
	PR {"pm_io: I/O protection and interrupts", 10}
	SETGATE IDT_SLOT(0x20), SEL_CODE32, irq0_fn, GATE_INT32

	;--- Ring 3, IOPL 0: the bitmap decides (only 0xE9 allowed).
	RING3
	PR "r3 out e9 (allowed): "
	mov al, 'y'
	out 0xE9, al
	NL
	TRY "r3 in al, e9 (allowed)"
	AT
	in al, 0xE9
	ENDTRY
	PR "  al="
	PRX 2, eax
	NL
	TRY "r3 out 80 (denied)"
	AT
	out 0x80, al
	ENDTRY
	TRY "r3 in al, 80 (denied)"
	AT
	in al, 0x80
	ENDTRY
	TRY "r3 out dx=e8"
	mov dx, 0xE8
	AT
	out dx, al
	ENDTRY
	TRY "r3 out dx=e9, ax (ea denied)"
	mov dx, 0xE9
	AT
	out dx, ax
	ENDTRY
	TRY "r3 in eax, dx=e6 (e9 allowed)"
	mov dx, 0xE6
	AT
	in eax, dx
	ENDTRY
	TRY "r3 rep outsb to 80"
	mov dx, 0x80
	mov esi, SCRATCH
	mov ecx, 4
	AT
	rep outsb
	ENDTRY
	PR "  ecx="
	PRX 8, [x_ecx]
	PR " esi="
	PRX 8, [x_esi]
	NL
	TRY "r3 insb from 80"
	mov dx, 0x80
	mov edi, SCRATCH
	AT
	insb
	ENDTRY
	TRY "r3 cli"
	AT
	cli
	ENDTRY
	TRY "r3 sti"
	AT
	sti
	ENDTRY
	ENDRING3
	; Ports 0xEA, 0xEB allowed too: a 16-bit access there passes (nothing is mapped).
	and byte [TSS_BASE + TSS_IOMAP + (0xEA >> 3)], ~(3 << (0xEA & 7))
	RING3
	TRY "r3 in ax, dx=ea (allowed)"
	mov dx, 0xEA
	mov eax, 0x12345678
	AT
	in ax, dx
	ENDTRY
	TRY "r3 insw from ea (allowed)"
	mov dx, 0xEA
	mov edi, u_buf
	mov dword [u_buf], 0x12345678
	AT
	insw
	ENDTRY
	PR "  buf="
	PRX 8, [u_buf]
	NL
	ENDRING3
	or byte [TSS_BASE + TSS_IOMAP + (0xEA >> 3)], 3 << (0xEA & 7)

	;--- The bitmap read against the TSS limit: port 0xE9's byte is at TSS+0x85; the
	; CPU reads two bytes (0x85, 0x86), both must lie within the limit.
	SETDESC SEL_TSS2, TSS_BASE, TSS_IOMAP + (0xE9 >> 3) + 1, 0x89, 0
	SETDESC SEL_TSS3, TSS_BASE, TSS_IOMAP + (0xE9 >> 3), 0x89, 0
	; (Ring 3 cannot print here: the tests print from ring 0 around the OUT, which
	; writes '*' when allowed.)
	mov ax, SEL_TSS2
	ltr ax
	PR "tss limit 86: out e9 -> ["
	RING3
	TRY "r3 out e9, tss limit 86"
	mov al, '*'
	AT
	out 0xE9, al
	ENDTRYQ
	ENDRING3
	PR {"]", 10}
	call t_report
	mov ax, SEL_TSS3
	ltr ax
	PR "tss limit 85: out e9 -> ["
	RING3
	TRY "r3 out e9, tss limit 85"
	mov al, '*'
	AT
	out 0xE9, al
	ENDTRYQ
	ENDRING3
	PR {"]", 10}
	call t_report
	mov byte [GDT_BASE + SEL_TSS + 5], 0x89     ; not busy, so that LTR takes it again
	mov ax, SEL_TSS
	ltr ax
	mov word [TSS_BASE + 0x66], 0x3000          ; I/O map base past the limit
	PR "iomap base past limit: out e9 -> ["
	RING3
	TRY "r3 out e9, iomap base past limit"
	mov al, '*'
	AT
	out 0xE9, al
	ENDTRYQ
	ENDRING3
	PR {"]", 10}
	call t_report
	mov word [TSS_BASE + 0x66], TSS_IOMAP

	;--- Ring 3 with IOPL 3: no bitmap check; CLI/STI allowed; POPF changes IF only.
	mov [r3_esp0], esp
	mov ax, SEL_DATA3
	mov ds, ax
	mov es, ax
	push dword SEL_DATA3
	push dword STK3_TOP
	pushfd
	or dword [esp], 0x3000
	push dword SEL_CODE3
	push dword .iopl3
	iretd
.iopl3:	TRY "r3 iopl3 out 80"
	mov al, 0x55
	AT
	out 0x80, al
	ENDTRY
	TRY "r3 iopl3 cli; sti; cli"
	cli
	sti
	AT
	cli
	ENDTRY
	pushfd
	pop eax
	PR "  eflags&3200="
	and eax, 0x3200
	PRX 4, eax
	NL
	pushfd
	and dword [esp], ~0x3000
	or dword [esp], 0x200
	popfd
	pushfd
	pop eax
	PR "r3 iopl3 popf iopl=0 if=1: eflags&3200="
	and eax, 0x3200
	PRX 4, eax
	NL
	cli
	ENDRING3
	pushfd
	pop eax
	PR "r0 after: eflags&3200="
	and eax, 0x3200
	PRX 4, eax
	NL
	pushfd
	and dword [esp], ~0x3000
	popfd

	;--- The 8259A (vectors 0x20..0x2F) and the 8254's channel 0.
	mov al, 0x11
	out 0x20, al                    ; ICW1: edge triggered, cascade, ICW4
	mov al, 0x20
	out 0x21, al                    ; ICW2: IRQ0 = vector 0x20
	mov al, 0x04
	out 0x21, al                    ; ICW3: slave on IRQ2
	mov al, 0x01
	out 0x21, al                    ; ICW4: 8086 mode
	mov al, 0x11
	out 0xA0, al
	mov al, 0x28
	out 0xA1, al
	mov al, 0x02
	out 0xA1, al
	mov al, 0x01
	out 0xA1, al
	mov al, 0xFF
	out 0xA1, al                    ; slave: all masked
	mov al, 0xFE
	out 0x21, al                    ; master: IRQ0 only
	PR "pic: imr="
	in al, 0x21
	PRX 2, eax
	NL
	call pit_start

	;--- HLT until IRQ0; the handler returns after the HLT.
	mov dword [u_irqs], 0
	sti
.h1:	hlt
.h1e:	cli
	PR "hlt: irqs="
	PRX 2, [u_irqs]
	PR " eip@"
	mov eax, [u_irq_eip]
	sub eax, .h1e
	call pr_signed
	NL
	; Twice more in a loop: each HLT is woken by the next tick.
	mov dword [u_irqs], 0
	mov ecx, 2
	sti
.h2:	hlt
	loop .h2
	cli
	PR "hlt x2: irqs="
	PRX 2, [u_irqs]
	NL

	;--- STI shadow: with IRQ0 pending (IRR), the interrupt comes after the next
	; instruction, not right after STI.
	call pit_start
	call wait_irr
	mov dword [u_irqs], 0
	sti
.s1:	nop
	nop
	cli
	PR "sti shadow: irqs="
	PRX 2, [u_irqs]
	PR " eip@"
	mov eax, [u_irq_eip]
	sub eax, .s1
	call pr_signed
	NL
	; POPF setting IF has no shadow: the interrupt comes right after it.
	call pit_start
	call wait_irr
	mov dword [u_irqs], 0
	pushfd
	or dword [esp], 0x200
	popfd
.p1:	nop
	nop
	cli
	PR "popf (no shadow): irqs="
	PRX 2, [u_irqs]
	PR " eip@"
	mov eax, [u_irq_eip]
	sub eax, .p1
	call pr_signed
	NL

	;--- IRQ0 delivery failing: EXT=1 in the error code.
	SETGATE IDT_SLOT(0x20), SEL_CODE32, irq0_fn, GATE_INT32 & 0x7FFF
	call pit_start
	call wait_irr
	TRY "irq0 gate not present"
	REFAT .e1
	sti
.e1:	nop
	nop
	ENDTRYQ
	cli
	call eoi
	call t_report
	SETGATE IDT_SLOT(0x20), SEL_CODE32, irq0_fn, GATE_INT32
	mov word [u_buf], 0xFF                      ; IDT limit: vectors 0..0x1F
	mov dword [u_buf + 2], IDT_BASE
	lidt [u_buf]
	call pit_start
	call wait_irr
	TRY "irq0 past idt limit"
	REFAT .e2
	sti
.e2:	nop
	nop
	ENDTRYQ
	cli
	lidt [idtr_image]
	call eoi
	call t_report
	; INT 0x20 (software) with the gate not present: EXT=0.
	SETGATE IDT_SLOT(0x20), SEL_CODE32, irq0_fn, GATE_INT32 & 0x7FFF
	TRY "int 20 gate not present"
	AT
	int 0x20
	ENDTRY

	mov al, 0xFF
	out 0x21, al                    ; all IRQs masked
	FINISH "pm_io"

; pit_start: channel 0, mode 2 (rate generator), PIT_COUNT input clocks per IRQ0.
pit_start:
	push eax
	mov al, 0x34
	out 0x43, al
	mov al, PIT_COUNT & 0xFF
	out 0x40, al
	mov al, PIT_COUNT >> 8
	out 0x40, al
	pop eax
	ret

; wait_irr: with IF=0, wait until the 8259A's IRR shows IRQ0 (OCW3: read IRR).
wait_irr:
	push eax
	mov al, 0x0A
	out 0x20, al
.w:	in al, 0x20
	test al, 1
	jz .w
	pop eax
	ret

eoi:
	push eax
	mov al, 0x20
	out 0x20, al
	pop eax
	ret

; IRQ0: count, remember the return EIP, EOI.
irq0_fn:
	push eax
	push ds
	mov ax, SEL_DATA32
	mov ds, ax
	inc dword [u_irqs]
	mov eax, [esp + 8]
	mov [u_irq_eip], eax
	mov al, 0x20
	out 0x20, al
	pop ds
	pop eax
	iretd

%include "end.inc"
