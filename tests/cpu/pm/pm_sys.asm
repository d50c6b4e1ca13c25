; pm_sys.asm: system instructions in protected mode. SGDT/SIDT/SLDT/STR/SMSW/LMSW,
; MOV to and from CR0/CR2/CR3/DR0-7 (with the #GP rules for CR0 and #UD for CR1),
; LTR/LLDT checks and the TSS busy bit, and LAR/LSL/VERR/VERW over a table of
; descriptor types, with RPL and CPL (ring 0 and ring 3) checks: ZF and the results.
; LAR results are printed masked with 00F0FF00 (the SDM leaves bits 19:16 undefined).
; References: Intel SDM vol. 2 (LAR, LSL, VERR/VERW, SGDT, SMSW, LMSW, LTR, LLDT,
; MOV CR, MOV DR), vol. 3 2.5 (CR0), 17.2 (DR6/DR7 reserved bits).
; The CPU model is P6 (Bochs p2_klamath): STR/SLDT to a 32-bit register clear bits
; 31:16, DR6 reads FFFF0FF0 after a write of 0, DR7 reads 00000400.
%include "lib.inc"

SEL_TSS2  equ 0x58      ; another descriptor of the same TSS (available)
SEL_LDT   equ 0x60
SEL_CG    equ 0x68      ; call gate, DPL 3
SEL_IG    equ 0x70      ; interrupt gate (in the GDT: invalid for LAR)
SEL_XO    equ 0x78      ; execute-only code
SEL_CONF  equ 0x80      ; conforming readable code, DPL 0
SEL_RO    equ 0x88      ; read-only data
SEL_NP    equ 0x90      ; not-present data
SEL_RES   equ 0x98      ; system type 0 (reserved)
SEL_TSS16 equ 0xA0      ; 16-bit TSS (available)
SEL_TG    equ 0xA8      ; task gate
SEL_PG    equ 0xB0      ; page-granular data, limit 0x0000F
SEL_DPL2  equ 0xB8      ; data DPL 2
SEL_NPTSS equ 0xC0      ; not-present TSS
SEL_NPLDT equ 0xC8      ; not-present LDT
SEL_TSSTI equ 0x2C      ; SEL_TSS with TI=1

	absolute u_vars
u_sel:		resd 1
	section .text

main:
	PR {"pm_sys: system instructions", 10}
	SETDESC SEL_TSS2, TSS_BASE, TSS_LIMIT, 0x89, 0
	SETDESC SEL_LDT, 0x8000, 0x0F, 0x82, 0
	SETGATE GDT_SLOT(SEL_CG), SEL_CODE32, 0x12345678, GATE_CALL32 | GATE_DPL3 | 3
	SETGATE GDT_SLOT(SEL_IG), SEL_CODE32, 0x12345678, GATE_INT32
	SETDESC SEL_XO, 0, 0xFFFFF, ACC_CODEX, FL_G | FL_D
	SETDESC SEL_CONF, 0, 0xFFFFF, ACC_CODEC, FL_G | FL_D
	SETDESC SEL_RO, 0x100000, 0x12345, ACC_DATAR, 0
	SETDESC SEL_NP, 0, 0xABCDE, ACC_DATA ^ ACC_NP, FL_D
	SETDESC SEL_RES, 0, 0xFFFF, 0x80, 0
	SETDESC SEL_TSS16, 0x9000, 0x2B, 0x81, 0
	SETGATE GDT_SLOT(SEL_TG), SEL_TSS, 0, 0x8500
	SETDESC SEL_PG, 0, 0x0000F, ACC_DATA, FL_G
	SETDESC SEL_DPL2, 0, 0xFFFF, ACC_DATA | ACC_DPL2, 0
	SETDESC SEL_NPTSS, TSS_BASE, TSS_LIMIT, 0x09, 0
	SETDESC SEL_NPLDT, 0x8000, 0x0F, 0x02, 0

	;--- SGDT / SIDT / STR / SLDT / SMSW / LMSW.
	mov dword [SCRATCH], 0xAAAAAAAA
	mov dword [SCRATCH + 4], 0xAAAAAAAA
	sgdt [SCRATCH]
	PR "sgdt: limit="
	PRX 4, [SCRATCH]
	PR " base="
	PRX 8, [SCRATCH + 2]
	PR " next="
	PRX 4, [SCRATCH + 6]
	NL
	sidt [SCRATCH]
	PR "sidt: limit="
	PRX 4, [SCRATCH]
	PR " base="
	PRX 8, [SCRATCH + 2]
	NL
	mov eax, 0xFFFFFFFF
	str eax
	PR "str eax="
	PRX 8, eax
	mov word [SCRATCH], 0xAAAA
	str [SCRATCH]
	PR " str mem="
	PRX 4, [SCRATCH]
	NL
	mov eax, 0xFFFFFFFF
	sldt eax
	PR "sldt (none) eax="
	PRX 8, eax
	mov ax, SEL_LDT
	lldt ax
	mov eax, 0xFFFFFFFF
	sldt eax
	PR " after lldt eax="
	PRX 8, eax
	NL
	mov eax, 0xFFFFFFFF
	smsw ax
	PR "smsw ax: eax="
	PRX 8, eax
	mov dword [SCRATCH], 0xAAAAAAAA
	smsw [SCRATCH]
	PR " smsw mem="
	PRX 8, [SCRATCH]
	NL
	mov ax, 0x000E
	lmsw ax
	mov eax, cr0
	PR "lmsw 000e: cr0&f="
	and eax, 0xF
	PRX 1, eax
	mov ax, 0x0000
	lmsw ax
	mov eax, cr0
	PR " lmsw 0000: cr0&f="
	and eax, 0xF
	PRX 1, eax
	mov ax, 0xFFF0
	lmsw ax
	mov eax, cr0
	PR " lmsw fff0: cr0&ffff="
	and eax, 0xFFFF
	PRX 4, eax
	NL

	;--- Control and debug registers.
	mov eax, cr0
	PR "cr0="
	PRX 8, eax
	mov eax, 0x12345678
	mov cr2, eax
	xor eax, eax
	mov eax, cr2
	PR " cr2="
	PRX 8, eax
	mov eax, 0x00005018
	mov cr3, eax
	mov eax, cr3
	PR " cr3="
	PRX 8, eax
	xor eax, eax
	mov cr3, eax
	NL
	mov eax, 0x11111111
	mov dr0, eax
	mov eax, 0x22222222
	mov dr1, eax
	mov eax, 0x33333333
	mov dr2, eax
	mov eax, 0x44444444
	mov dr3, eax
	PR "dr0-3="
	mov eax, dr0
	PRX 8, eax
	PR ","
	mov eax, dr1
	PRX 8, eax
	PR ","
	mov eax, dr2
	PRX 8, eax
	PR ","
	mov eax, dr3
	PRX 8, eax
	xor eax, eax
	mov dr6, eax
	mov dr7, eax
	mov eax, dr6
	PR " dr6="
	PRX 8, eax
	mov eax, dr7
	PR " dr7="
	PRX 8, eax
	NL
	TRY "mov eax, cr1"
	AT
	db 0x0F, 0x20, 0xC8
	ENDTRY
	TRY "mov cr5, eax"
	AT
	db 0x0F, 0x22, 0xE8
	ENDTRY

	;--- LTR and LLDT checks; LTR sets the busy bit.
	TRY "ltr null"
	xor eax, eax
	AT
	ltr ax
	ENDTRY
	TRY "ltr ldt descriptor"
	mov ax, SEL_LDT
	AT
	ltr ax
	ENDTRY
	TRY "ltr ti=1"
	mov ax, SEL_TSSTI
	AT
	ltr ax
	ENDTRY
	TRY "ltr not present"
	mov ax, SEL_NPTSS
	AT
	ltr ax
	ENDTRY
	TRY "ltr data"
	mov ax, SEL_DATA32
	AT
	ltr ax
	ENDTRY
	PR "tss2 access before="
	PRX 2, [GDT_BASE + SEL_TSS2 + 5]
	TRY "ltr available tss"
	mov ax, SEL_TSS2
	AT
	ltr ax
	ENDTRYQ
	PR " after="
	PRX 2, [GDT_BASE + SEL_TSS2 + 5]
	str ax
	PR " str="
	PRX 4, eax
	NL
	call t_report
	TRY "ltr it again (busy)"
	mov ax, SEL_TSS2
	AT
	ltr ax
	ENDTRY
	TRY "lldt not present"
	mov ax, SEL_NPLDT
	AT
	lldt ax
	ENDTRY
	TRY "lldt tss"
	mov ax, SEL_TSS
	AT
	lldt ax
	ENDTRY
	TRY "lldt rpl3 (ok)"
	mov ax, SEL_LDT | 3
	AT
	lldt ax
	ENDTRY

	;--- LAR / LSL / VERR / VERW.
	PR {"lar/lsl/verr/verw at cpl 0:", 10}
	mov esi, sel_table
.l0:	movzx eax, word [esi]
	cmp ax, 0xFFFF
	je .d0
	call check_sel
	add esi, 2
	jmp .l0
.d0:	lar ax, [sel_code16]
	PR "lar ax, m16 (code)="
	PRX 4, eax
	mov eax, 0xDEADBEEF
	mov bx, SEL_DATA32
	lsl ax, bx
	PR " lsl ax (flat data)="
	PRX 8, eax
	NL
	RING3
	PR {"lar/lsl/verr/verw at cpl 3:", 10}
	mov esi, sel_table3
.l3:	movzx eax, word [esi]
	cmp ax, 0xFFFF
	je .d3
	call check_sel
	add esi, 2
	jmp .l3
.d3:	ENDRING3

	; Last, as QEMU does not raise these #GP (and goes astray).
	TRY "mov cr0 pg=1 pe=0"
	mov eax, cr0
	and eax, ~1
	or eax, 0x80000000
	AT
	mov cr0, eax
	ENDTRY
	TRY "mov cr0 nw=1 cd=0"
	mov eax, cr0
	and eax, ~0x40000000
	or eax, 0x20000000
	AT
	mov cr0, eax
	ENDTRY

	FINISH "pm_sys"

sel_table:
	dw 0x0000, 0x0008, 0x000B, 0x0010, 0x0013, SEL_TSS, SEL_DATA3, SEL_CODE3
	dw SEL_TSS2, SEL_LDT, SEL_CG, SEL_IG, SEL_XO, SEL_CONF, SEL_CONF | 3, SEL_RO
	dw SEL_NP, SEL_RES, SEL_TSS16, SEL_TG, SEL_PG, SEL_DPL2, SEL_DPL2 | 1, SEL_DPL2 | 3
	dw 0x0400, 0x000C, 0x3F8
	dw 0xFFFF
sel_table3:
	dw 0x0010, SEL_DATA3, SEL_CODE3, SEL_CONF, SEL_CG, SEL_TSS, SEL_DPL2 | 3, SEL_LDT
	dw 0xFFFF
sel_code16:
	dw SEL_CODE16

; check_sel: one line for selector AX: LAR, LSL, VERR, VERW (ZF and results; a
; failing LAR/LSL must leave its destination unchanged: it was DEADBEEF).
check_sel:
	pushad
	mov [u_sel], eax
	PR "sel "
	PRX 4, eax
	PR ": lar"
	mov ebx, 0xDEADBEEF
	lar ebx, [u_sel]
	PRZF
	jnz .lf
	and ebx, 0x00F0FF00
.lf:	PR " "
	PRX 8, ebx
	PR " lsl"
	mov ebx, 0xDEADBEEF
	lsl ebx, [u_sel]
	PRZF
	PR " "
	PRX 8, ebx
	PR " verr"
	verr [u_sel]
	PRZF
	PR " verw"
	verw [u_sel]
	PRZF
	NL
	popad
	ret

%include "end.inc"
