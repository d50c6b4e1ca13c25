; pm_priv.asm: privilege levels. IRET to ring 3 with the TSS providing the ring-0
; stack, INT from ring 3 through DPL-3 gates (and #GP(vector*8+2) through DPL-0 ones),
; CALL through 32- and 16-bit call gates with parameter copy and stack switch, RETF
; back, data segment registers nulled on the way out, ring 1, conforming code segments,
; IRET/RETF/MOV-to-segment privilege checks, privileged instructions in ring 3, 16-bit
; and 32-bit interrupt gates from 16- and 32-bit code, #TS for a bad TSS.SS0 (delivered
; to a conforming handler, which runs at CPL 3 without a stack switch), ARPL.
; References: Intel SDM vol. 3, 5.8 (calling through gates, figure 5-13 stack switch),
; 5.8.6 (returning), 5.10.1 (ARPL), 6.12.1 (exception/interrupt procedures), 7.2.1 (TSS);
; vol. 2: CALL, RET, IRET, INT n pseudo-code.
%include "lib.inc"

SEL_GATE32  equ 0x58    ; call gate 32, DPL 3 -> SEL_CODE32:gate32_fn, 2 dwords
SEL_GATE16  equ 0x60    ; call gate 16, DPL 3 -> SEL_CODE16:gate16_fn, 2 words
SEL_GATE0   equ 0x68    ; call gate 32, DPL 0 -> SEL_CODE32:gate32_fn
SEL_CODER3  equ 0x70    ; 32-bit code, base ROMBASE, limit 0xFFFF, DPL 3
SEL_CONF0   equ 0x78    ; flat conforming readable code, DPL 0
SEL_CONF3   equ 0x80    ; flat conforming readable code, DPL 3
SEL_GATE1   equ 0x88    ; call gate 32, DPL 3 -> SEL_CODE1:ring1_fn
SEL_CODE16_3 equ 0x90   ; 16-bit code, base ROMBASE, limit 0xFFFF, DPL 3
SEL_NPC3    equ 0x98    ; not-present flat code, DPL 3
SEL_GATE3T  equ 0xA0    ; call gate 32, DPL 3 -> SEL_CODE3 (to a less privileged level)
STK3_LOW    equ 0xF000  ; a ring-3 stack below 64 KiB, for 16-bit code

EFL_MASK    equ 0x00037702   ; TF IF DF IOPL NT RF VM and bit 1: what these tests set

	absolute u_vars
u_sp:		resd 1
u_ref:		resd 1
	section .text

main:
	PR {"pm_priv: privilege levels, gates, stack switches", 10}
	SETGATE GDT_SLOT(SEL_GATE32), SEL_CODE32, gate32_fn, GATE_CALL32 | GATE_DPL3 | 2
	SETGATE GDT_SLOT(SEL_GATE16), SEL_CODE16, ROFF(gate16_fn), GATE_CALL16 | GATE_DPL3 | 2
	SETGATE GDT_SLOT(SEL_GATE0), SEL_CODE32, gate32_fn, GATE_CALL32
	SETDESC SEL_CODER3, ROMBASE, 0xFFFF, ACC_CODE | ACC_DPL3, FL_D
	SETDESC SEL_CONF0, 0, 0xFFFFF, ACC_CODEC, FL_G | FL_D
	SETDESC SEL_CONF3, 0, 0xFFFFF, ACC_CODEC | ACC_DPL3, FL_G | FL_D
	SETGATE GDT_SLOT(SEL_GATE1), SEL_CODE1, ring1_fn, GATE_CALL32 | GATE_DPL3
	SETDESC SEL_CODE16_3, ROMBASE, 0xFFFF, ACC_CODE | ACC_DPL3, 0
	SETDESC SEL_NPC3, 0, 0xFFFFF, (ACC_CODE | ACC_DPL3) ^ ACC_NP, FL_G | FL_D
	SETGATE GDT_SLOT(SEL_GATE3T), SEL_CODE3, r3_target, GATE_CALL32 | GATE_DPL3
	SETGATE IDT_SLOT(0x31), SEL_CODE32, int31_fn, GATE_INT32 | GATE_DPL3
	SETGATE IDT_SLOT(0x32), SEL_CODE32, int31_fn, GATE_TRAP32 | GATE_DPL3
	SETGATE IDT_SLOT(0x33), SEL_CODE16, ROFF(h16), GATE_INT16 | GATE_DPL3
	SETGATE IDT_SLOT(0x34), SEL_CODE32, h32, GATE_INT32

	;--- IRET to ring 3: CS/SS from the frame, FS (DPL 0) nulled, GS (DPL 3) kept.
	mov [r3_esp0], esp
	mov ax, SEL_DATA3
	mov ds, ax
	mov es, ax
	mov gs, ax
	mov ax, SEL_DATA32
	mov fs, ax
	push dword SEL_DATA3
	push dword STK3_TOP
	pushfd
	push dword SEL_CODE3
	push dword .r3a
	iretd
.r3a:	PR "iret to r3: cs="
	mov ax, cs
	PRX 4, eax
	PR " ss="
	mov ax, ss
	PRX 4, eax
	PR " esp="
	mov ebx, esp
	PRX 8, ebx
	PR " ds="
	mov ax, ds
	PRX 4, eax
	PR " fs="
	mov ax, fs
	PRX 4, eax
	PR " gs="
	mov ax, gs
	PRX 4, eax
	NL

	;--- INT from ring 3 through DPL-3 interrupt and trap gates: frame on TSS.ESP0.
	mov dword [u_ref], .i31
.i31:	int 0x31
	mov dword [u_ref], .i32
.i32:	int 0x32
	PR "back in r3: cs="
	mov ax, cs
	PRX 4, eax
	PR " esp="
	mov ebx, esp
	PRX 8, ebx
	NL
	;--- INT n through DPL-0 gates: #GP(vector*8+2); exceptions ignore the gate DPL.
	TRY "r3 int 21 (dpl0 gate)"
	AT
	int 0x21
	ENDTRY
	TRY "r3 int3 (dpl0 gate)"
	AT
	int3
	ENDTRY
	TRY "r3 into (dpl0 gate)"
	mov al, 0x7F
	add al, 1
	AT
	into
	ENDTRY
	TRY "r3 int1 f1 (no dpl check)"
	AT
	db 0xF1
	ENDTRY
	TRY "r3 ud2"
	AT
	ud2
	ENDTRY
	TRY "r3 int 40 (not present)"
	AT
	int 0x40
	ENDTRY

	;--- Privileged instructions and segment loads in ring 3.
	TRY "r3 hlt"
	AT
	hlt
	ENDTRY
	TRY "r3 cli (iopl 0)"
	AT
	cli
	ENDTRY
	TRY "r3 lgdt"
	AT
	lgdt [gdtr_image]
	ENDTRY
	TRY "r3 lidt"
	AT
	lidt [idtr_image]
	ENDTRY
	TRY "r3 ltr"
	mov ax, SEL_TSS
	AT
	ltr ax
	ENDTRY
	TRY "r3 lldt"
	xor eax, eax
	AT
	lldt ax
	ENDTRY
	TRY "r3 mov cr0"
	AT
	mov eax, cr0
	ENDTRY
	TRY "r3 mov dr7"
	AT
	mov eax, dr7
	ENDTRY
	TRY "r3 clts"
	AT
	clts
	ENDTRY
	TRY "r3 lmsw"
	AT
	lmsw ax
	ENDTRY
	TRY "r3 smsw (allowed)"
	AT
	smsw ax
	ENDTRY
	TRY "r3 sgdt (allowed)"
	AT
	sgdt [SCRATCH]
	ENDTRY
	TRY "r3 mov fs, dpl0 data"
	mov ax, SEL_DATA32
	AT
	mov fs, ax
	ENDTRY
	TRY "r3 mov ss, rpl0 selector"
	mov ax, SEL_DATA3 & 0xFFFC
	AT
	mov ss, ax
	ENDTRY
	TRY "r3 mov ss, dpl1 data rpl3"
	mov ax, SEL_DATA1 | 3
	AT
	mov ss, ax
	ENDTRY
	TRY "r3 mov fs, dpl0 conforming"
	mov ax, SEL_CONF0 | 3
	AT
	mov fs, ax
	ENDTRY
	TRY "r3 mov fs, dpl0 code"
	mov ax, SEL_CODE32 | 3
	AT
	mov fs, ax
	ENDTRY

	;--- CALL through a 32-bit call gate to ring 0 with 2 parameters; RETF 8.
	mov ax, SEL_DATA3
	mov fs, ax
	push dword 0x11111111
	push dword 0x22222222
	mov dword [u_ref], .cg1
.cg1:	call SEL_GATE32 | 3:0
	PR "after retf 8: esp="
	mov ebx, esp
	PRX 8, ebx
	PR " cs="
	mov ax, cs
	PRX 4, eax
	PR " ss="
	mov ax, ss
	PRX 4, eax
	PR " ds="
	mov ax, ds
	PRX 4, eax
	PR " es="
	mov ax, es
	PRX 4, eax
	PR " fs="
	mov ax, fs
	PRX 4, eax
	NL
	mov ax, SEL_DATA3
	mov ds, ax
	mov es, ax
	TRY "r3 call dpl0 gate"
	AT
	call SEL_GATE0 | 3:0
	ENDTRY
	TRY "r3 jmp gate to ring 0"
	AT
	jmp SEL_GATE32 | 3:0
	ENDTRY
	TRY "r3 call dpl0 code directly"
	AT
	call SEL_CODE32:0
	ENDTRY
	TRY "r3 jmp dpl0 code directly"
	AT
	jmp SEL_CODE32 | 3:0
	ENDTRY
	TRY "r3 call not-present code"
	AT
	call SEL_NPC3 | 3:0
	ENDTRY

	;--- Ring 1 through a call gate: TSS.SS1:ESP1.
	mov dword [u_ref], .cg2
.cg2:	call SEL_GATE1 | 3:0
	PR "back from ring 1: cs="
	mov ax, cs
	PRX 4, eax
	PR " esp="
	mov ebx, esp
	PRX 8, ebx
	NL

	;--- Conforming code: runs at the caller's CPL.
	call SEL_CONF0:conf_fn          ; RPL 0 in the selector does not matter
	TRY "r3 call conforming dpl3"
	AT
	call SEL_CONF3 | 3:conf_fn
	ENDTRY

	;--- IRET and POPF in ring 3 cannot change IOPL or IF.
	pushfd
	or dword [esp], 0x3200
	push dword SEL_CODE3
	push dword .ir1
	iretd
.ir1:	pushfd
	pop eax
	PR "r3 iret with iopl=3 if=1: eflags&3200="
	and eax, 0x3200
	PRX 4, eax
	NL
	pushfd
	or dword [esp], 0x3200
	popfd
	pushfd
	pop eax
	PR "r3 popf with iopl=3 if=1: eflags&3200="
	and eax, 0x3200
	PRX 4, eax
	NL
	TRY "r3 iret to ring 0"
	pushfd
	push dword SEL_CODE32
	push dword .ir2
	AT
	iretd
.ir2:	ENDTRY
	TRY "r3 retf to ring 0"
	push dword SEL_CODE32
	push dword .ir3
	AT
	retf
.ir3:	ENDTRY

	;--- 16-bit call gate from 16-bit ring-3 code, with a stack below 64 KiB.
	mov esp, STK3_LOW
	jmp SEL_CODE16_3 | 3:ROFF(c16_r3)
c16_back:
	mov esp, STK3_TOP

	;--- 16-bit interrupt gate from 32-bit ring-3 code (EIP below 64 KiB).
	mov esp, STK3_LOW
	jmp SEL_CODER3 | 3:ROFF(.cr3)
.cr3:	mov dword [u_ref], ROFF(.i33)
.i33:	int 0x33
	jmp SEL_CODE3:.cr3b
.cr3b:	mov esp, STK3_TOP

	;--- #TS: TSS.SS0 invalid. The #TS gate goes to conforming code: no stack switch.
	SETGATE IDT_SLOT(10), SEL_CONF0, ts_fn, GATE_INT32
	mov word [TSS_BASE + 8], SEL_CODE32
	TRY "ts int 31, ss0=code"
	AT
	int 0x31
	ENDTRY
	call pr_ts_cs
	mov word [TSS_BASE + 8], SEL_CODE32
	TRY "ts ud2, ss0=code (ext)"
	AT
	ud2
	ENDTRY
	mov word [TSS_BASE + 8], 0
	TRY "ts int 31, ss0=null"
	AT
	int 0x31
	ENDTRY
	mov word [TSS_BASE + 8], SEL_DATA3
	TRY "ts int 31, ss0=rpl3/dpl3"
	AT
	int 0x31
	ENDTRY
	mov word [TSS_BASE + 8], SEL_DATA1 & 0xFFFC
	TRY "ts int 31, ss0=dpl1"
	AT
	int 0x31
	ENDTRY
	mov word [TSS_BASE + 8], 0x400
	TRY "ts int 31, ss0 past gdt"
	AT
	int 0x31
	ENDTRY
	mov word [TSS_BASE + 8], SEL_DATA32
	ENDRING3

	;--- Ring 0 again: calls to conforming segments, gates with RPL, IRET checks.
	mov ebx, 10
	call idt_default
	TRY "r0 call conforming dpl0"
	AT
	call SEL_CONF0:conf_fn
	ENDTRY
	TRY "r0 call conforming dpl3"
	AT
	call SEL_CONF3:conf_fn
	ENDTRY
	TRY "r0 call dpl0 gate with rpl3"
	AT
	call SEL_GATE0 | 3:0
	ENDTRY
	TRY "r0 call gate to outer ring"
	AT
	call SEL_GATE3T:0
	ENDTRY
	push dword SEL_DATA3 & 0xFFFC           ; RPL 0 in SS for a return to ring 3
	push dword STK3_TOP
	pushfd
	push dword SEL_CODE3
	push dword r3_target
	TRY "r0 iret to r3, ss rpl0"
	AT
	iretd
	ENDTRYQ
	add esp, 20
	call t_report
	push dword SEL_DATA32 | 3
	push dword STK3_TOP
	pushfd
	push dword SEL_CODE3
	push dword r3_target
	TRY "r0 iret to r3, ss dpl0"
	AT
	iretd
	ENDTRYQ
	add esp, 20
	call t_report
	push dword SEL_DATA3
	push dword STK3_TOP
	pushfd
	push dword SEL_NPC3 | 3
	push dword r3_target
	TRY "r0 iret to r3, cs not present"
	AT
	iretd
	ENDTRYQ
	add esp, 20
	call t_report

	;--- 16-bit interrupt gate from 32-bit ring-0 code; 32-bit gate from 16-bit code.
	jmp SEL_CODER:ROFF(.cr0)
.cr0:	mov [u_sp], esp
	mov dword [u_ref], ROFF(.i33b)
.i33b:	int 0x33
	jmp SEL_CODE32:.cr0b
.cr0b:	jmp SEL_CODE16:ROFF(c16_r0)
c16_r0_back:

	;--- ARPL.
	mov ax, 0x0010
	mov bx, 0x0013
	arpl ax, bx
	PR "arpl 0010,0013:"
	PRZF
	PR " ax="
	PRX 4, eax
	NL
	mov ax, 0x0013
	mov bx, 0x0011
	arpl ax, bx
	PR "arpl 0013,0011:"
	PRZF
	PR " ax="
	PRX 4, eax
	NL
	mov word [SCRATCH], 0x0029
	mov cx, 0x0002
	arpl [SCRATCH], cx
	PR "arpl [0029],0002:"
	PRZF
	PR " mem="
	PRX 4, [SCRATCH]
	NL

	; Last, as QEMU does not check the limit (and goes astray).
	push dword SEL_DATA3
	push dword STK3_TOP
	push dword SEL_CODE16_3 | 3
	push dword r3_target
	TRY "r0 retf to r3, cs 16-bit, offset past limit"
	AT
	retf
	ENDTRYQ
	add esp, 16
	call t_report

	FINISH "pm_priv"

;---------------------------------------------------------------------------------
; (The handlers below address their frames through EBP: PRX pushes registers.)
; INT 0x31/0x32 from ring 3 (DPL-3 gates): print the frame, IRET back.
int31_fn:
	push ebp
	mov ebp, esp
	push eax
	push ds
	mov ax, SEL_DATA32
	mov ds, ax
	PR "int from r3: depth="
	mov eax, [TSS_BASE + 4]
	sub eax, ebp
	sub eax, 4
	PRX 2, eax
	PR " cs="
	mov ax, cs
	PRX 4, eax
	PR " ss="
	mov ax, ss
	PRX 4, eax
	PR " | eip@"
	mov eax, [ebp + 4]
	sub eax, [u_ref]
	call pr_signed
	PR " cs="
	PRX 4, [ebp + 8]
	PR " efl="
	mov eax, [ebp + 12]
	and eax, EFL_MASK
	PRX 8, eax
	PR " esp="
	PRX 8, [ebp + 16]
	PR " ss="
	PRX 4, [ebp + 20]
	NL
	pop ds
	pop eax
	pop ebp
	iretd

; The 32-bit call gate's target (ring 0): print the stack the CPU built, return with
; DS and ES loaded with DPL-0 data (the RETF to ring 3 must null them).
gate32_fn:
	push ebp
	mov ebp, esp
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	PR "call gate 32: cs="
	mov ax, cs
	PRX 4, eax
	PR " ss="
	mov ax, ss
	PRX 4, eax
	PR " depth="
	mov eax, [TSS_BASE + 4]
	sub eax, ebp
	sub eax, 4
	PRX 2, eax
	NL
	PR "  frame: eip@"
	mov eax, [ebp + 4]
	sub eax, [u_ref]
	call pr_signed
	PR " cs="
	PRX 4, [ebp + 8]
	PR " params="
	PRX 8, [ebp + 12]
	PR ","
	PRX 8, [ebp + 16]
	PR " esp="
	PRX 8, [ebp + 20]
	PR " ss="
	PRX 4, [ebp + 24]
	NL
	pop ebp
	retf 8

; Ring 1 (through SEL_GATE1).
ring1_fn:
	push ebp
	mov ebp, esp
	PR "ring 1: cs="
	mov ax, cs
	PRX 4, eax
	PR " ss="
	mov ax, ss
	PRX 4, eax
	PR " esp="
	lea eax, [ebp + 4]
	PRX 8, eax
	PR " | eip@"
	mov eax, [ebp + 4]
	sub eax, [u_ref]
	call pr_signed
	PR " cs="
	PRX 4, [ebp + 8]
	PR " esp="
	PRX 8, [ebp + 12]
	PR " ss="
	PRX 4, [ebp + 16]
	NL
	pop ebp
	retf

; Conforming code: CS.RPL shows the CPL it runs at.
conf_fn:
	PR "conforming: cs="
	push eax
	mov ax, cs
	PRX 4, eax
	pop eax
	NL
	retf

; A ring-3 target for returns that must fail.
r3_target:
	PR {"UNEXPECTED: reached r3_target", 10}
	cli
	hlt

; #TS handler in a conforming segment: runs at the interrupted CPL (3) on its stack.
; Records like exc_common, restores TSS.SS0, goes on at t_resume.
ts_fn:
	mov dword [x_vec], 10
	inc dword [x_count]
	mov byte [x_haserr], 1
	mov byte [x_switched], 0
	pop dword [x_err]
	pop dword [x_eip]
	pop dword [x_cs]
	pop dword [x_efl]
	mov ax, cs
	mov [u_sp], ax
	mov word [TSS_BASE + 8], SEL_DATA32
	mov esp, [t_esp]
	jmp [t_resume]
pr_ts_cs:
	PR "  #TS handler cs="
	PRX 4, [u_sp]
	NL
	ret

; 32-bit interrupt gate entered from 16-bit ring-0 code.
h32:
	push ebp
	mov ebp, esp
	PR "int gate 32 from 16-bit code: depth="
	mov eax, [u_sp]
	sub eax, ebp
	sub eax, 4
	PRX 2, eax
	PR " eip@"
	mov eax, [ebp + 4]
	sub eax, [u_ref]
	call pr_signed
	PR " cs="
	PRX 4, [ebp + 8]
	NL
	pop ebp
	iretd

	bits 16
; 16-bit ring-3 code calling through the 16-bit call gate.
c16_r3:
	push word 0x1111
	push word 0x2222
	mov dword [u_ref], ROFF(.cg)
.cg:	call SEL_GATE16 | 3:0
	PR16 "after 16-bit retf 4: esp="
	mov ebx, esp
	PRX16 8, ebx
	PR16 " cs="
	mov ax, cs
	PRX16 4, eax
	PR16 " ss="
	mov ax, ss
	PRX16 4, eax
	PR16 {10}
	jmp dword SEL_CODE3:c16_back

; The 16-bit call gate's target (ring 0, 16-bit code): words on a 32-bit stack.
gate16_fn:
	push ebp
	mov ebp, esp
	PR16 "call gate 16: cs="
	mov ax, cs
	PRX16 4, eax
	PR16 " ss="
	mov ax, ss
	PRX16 4, eax
	PR16 " depth="
	mov eax, [TSS_BASE + 4]
	sub eax, ebp
	sub eax, 4
	PRX16 2, eax
	PR16 {10, "  frame: ip@"}
	movzx eax, word [ebp + 4]
	sub eax, [u_ref]
	PRX16 4, eax
	PR16 " cs="
	PRX16 4, [ebp + 6]
	PR16 " params="
	PRX16 4, [ebp + 8]
	PR16 ","
	PRX16 4, [ebp + 10]
	PR16 " sp="
	PRX16 4, [ebp + 12]
	PR16 " ss="
	PRX16 4, [ebp + 14]
	PR16 {10}
	pop ebp
	retf 4

; 16-bit interrupt gate handler (ring 0, 16-bit code): 3 words, or 5 from ring 3.
h16:
	push ebp
	mov ebp, esp
	PR16 "int gate 16: depth="
	test byte [ebp + 6], 3
	jz .same
	mov eax, [TSS_BASE + 4]
	jmp .d
.same:	mov eax, [u_sp]
.d:	sub eax, ebp
	sub eax, 4
	PRX16 2, eax
	PR16 " ip@"
	movzx eax, word [ebp + 4]
	sub eax, [u_ref]
	PRX16 4, eax
	PR16 " cs="
	PRX16 4, [ebp + 6]
	PR16 " fl="
	movzx eax, word [ebp + 8]
	and eax, EFL_MASK
	PRX16 4, eax
	test byte [ebp + 6], 3
	jz .e
	PR16 " sp="
	PRX16 4, [ebp + 10]
	PR16 " ss="
	PRX16 4, [ebp + 12]
.e:	PR16 {10}
	pop ebp
	iret

; 16-bit ring-0 code: INT through a 32-bit gate.
c16_r0:
	mov [u_sp], esp
	mov dword [u_ref], ROFF(.i34)
.i34:	int 0x34
	jmp dword SEL_CODE32:c16_r0_back
	bits 32

%include "end.inc"
