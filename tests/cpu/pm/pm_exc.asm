; pm_exc.asm: exceptions in 32-bit protected mode, ring 0, delivered through the IDT.
; Checks vector, presence and value of the error code, and fault-vs-trap return address
; (@+0: EIP of the faulting instruction; @+len: the instruction after, for traps) for
; #DE #DB #BP #OF #BR #UD #NM #NP #SS #GP #DF, the IDT/EXT bits of error codes, the
; double-fault rules (contributory + contributory = #DF, benign + contributory = the
; second exception), single-step and debug-register breakpoints, the MOV SS / POP SS
; single-step shadow, and REP MOVS/STOS faulting mid-way and restarting.
; References: Intel SDM vol. 3, ch. 6 (interrupts and exceptions, 6.13 error codes,
; 6.15 exception reference, table 6-5 double-fault conditions), ch. 17 (debug).
%include "lib.inc"

SEL_NP    equ 0x58      ; not-present data
SEL_T1    equ 0x60      ; scratch descriptors
SEL_T2    equ 0x68
SEL_SS    equ 0x70      ; 32-bit stack, base 0, limit 0x1FFFF (byte granular)
SEL_NPC   equ 0x78      ; not-present code

	absolute u_vars
u_steps:	resd 1
u_bounds:	resd 2
u_bounds16:	resw 2
	section .text

main:
	PR {"pm_exc: exceptions in protected mode", 10}
	SETDESC SEL_NP, 0, 0xFFFFF, ACC_DATA ^ ACC_NP, FL_G | FL_D
	SETDESC SEL_SS, 0, 0x1FFFF, ACC_DATA, FL_D
	SETDESC SEL_NPC, 0, 0xFFFFF, ACC_CODE ^ ACC_NP, FL_G | FL_D

	;--- #DE: faults, no error code.
	TRY "de div ecx=0"
	xor edx, edx
	mov eax, 1
	xor ecx, ecx
	AT
	div ecx
	ENDTRY
	TRY "de idiv overflow"
	mov edx, -1
	mov eax, 0x80000000
	mov ecx, -1
	AT
	idiv ecx
	ENDTRY
	TRY "de div8 quotient>ff"
	mov ax, 0x1000
	mov bl, 0x10
	AT
	div bl
	ENDTRY
	TRY "de div8 ok"
	mov ax, 0x0FFF
	mov bl, 0x10
	AT
	div bl
	ENDTRY
	TRY "de aam 0"
	AT
	db 0xD4, 0x00
	ENDTRY

	;--- #DB: single step (trap after the instruction following POPF), DR6.BS.
	TRY "db tf"
	REFAT .tf1
	pushfd
	or dword [esp], 0x100
	popfd
.tf1:	nop
	nop
	ENDTRY
	call pr_dr6
	; Instruction breakpoint (DR0, exec): a fault, before the instruction, DR6.B0.
	mov eax, .bp1
	mov dr0, eax
	mov eax, 0x00000001
	mov dr7, eax
	TRY "db dr0 exec"
	AT
.bp1:	mov ecx, 0x1234
	ENDTRY
	call pr_dr6
	; Same, resumed by IRET with RF=1 in the frame: the instruction then executes once.
	mov ecx, 0
	mov eax, .bp2
	mov dr0, eax
	TRY "db dr0 exec rf"
	TRYHOOK hook_rf
	AT
.bp2:	mov ecx, 0x5678
	ENDTRY
	PR "  ecx="
	PRX 8, ecx
	NL
	; Data breakpoint (DR1, write, 4 bytes): a trap, after the instruction, DR6.B1.
	mov eax, SCRATCH + 0x10
	mov dr1, eax
	mov eax, 0x00D00004 | 0x200     ; L1, RW1=01 (write), LEN1=11 (4 bytes), GE
	mov dr7, eax
	mov eax, .bp2
	mov dr0, eax                    ; (L0 is off now)
	TRY "db dr1 write"
	AT
	mov dword [SCRATCH + 0x10], ecx
	ENDTRY
	call pr_dr6
	TRY "db dr1 write, read only"
	AT
	mov ecx, [SCRATCH + 0x10]
	ENDTRY
	TRY "db dr1 write byte+2"
	AT
	mov byte [SCRATCH + 0x12], cl
	ENDTRY
	mov eax, 0x00F00004 | 0x200     ; RW1=11 (read/write)
	mov dr7, eax
	TRY "db dr1 rw read"
	AT
	mov ecx, [SCRATCH + 0x10]
	ENDTRY
	call pr_dr6
	xor eax, eax
	mov dr7, eax

	;--- #BP, #OF: traps.
	TRY "bp int3"
	AT
	int3
	ENDTRY
	TRY "bp int 3 (cd 03)"
	AT
	db 0xCD, 0x03
	ENDTRY
	TRY "int 21"
	AT
	int 0x21
	ENDTRY
	TRY "of into of=1"
	mov al, 0x7F
	add al, 1
	AT
	into
	ENDTRY
	TRY "of into of=0"
	xor eax, eax
	AT
	into
	ENDTRY

	;--- #BR: BOUND, a fault; the bounds are inclusive.
	mov dword [u_bounds], 10
	mov dword [u_bounds + 4], 20
	mov word [u_bounds16], 0xFFF0          ; signed -16
	mov word [u_bounds16 + 2], 0x0010
	TRY "br bound 9"
	mov eax, 9
	AT
	bound eax, [u_bounds]
	ENDTRY
	TRY "br bound 20"
	mov eax, 20
	AT
	bound eax, [u_bounds]
	ENDTRY
	TRY "br bound 21"
	mov eax, 21
	AT
	bound eax, [u_bounds]
	ENDTRY
	TRY "br bound16 -16"
	mov ax, -16
	AT
	bound ax, [u_bounds16]
	ENDTRY
	TRY "br bound16 -17"
	mov ax, -17
	AT
	bound ax, [u_bounds16]
	ENDTRY

	;--- #UD.
	TRY "ud ud2"
	AT
	ud2
	ENDTRY
	TRY "ud 0f ff"
	AT
	db 0x0F, 0xFF
	ENDTRY
	TRY "ud lock nop"
	AT
	db 0xF0, 0x90
	ENDTRY
	TRY "ud lock add reg"
	AT
	db 0xF0, 0x01, 0xC3             ; lock add ebx, eax
	ENDTRY
	TRY "lock add mem"
	AT
	lock add [SCRATCH], eax
	ENDTRY
	TRY "ud mov cs,ax"
	AT
	db 0x8E, 0xC8
	ENDTRY
	TRY "ud lea reg"
	AT
	db 0x8D, 0xC0
	ENDTRY
	TRY "ud ff /7"
	AT
	db 0xFF, 0xF8
	ENDTRY
	TRY "ud bound reg"
	AT
	db 0x62, 0xC0
	ENDTRY
	TRY "ud arpl pm ok"            ; ARPL is valid in protected mode
	mov ax, 0x10
	mov bx, 0x13
	AT
	arpl ax, bx
	ENDTRY

	;--- #NM: CR0.TS / CR0.EM / CR0.MP.
	mov eax, cr0
	and eax, ~0xE                   ; MP, EM, TS off
	mov cr0, eax
	or eax, 8
	mov cr0, eax                    ; TS
	TRY "nm ts fninit"
	AT
	fninit
	ENDTRY
	TRY "nm ts wait mp=0"
	AT
	fwait
	ENDTRY
	mov eax, cr0
	or eax, 2
	mov cr0, eax                    ; TS, MP
	TRY "nm ts wait mp=1"
	AT
	fwait
	ENDTRY
	clts
	mov eax, cr0
	PR "clts: cr0&f="
	and eax, 0xF
	PRX 1, eax
	NL
	mov eax, cr0
	or eax, 4
	mov cr0, eax                    ; EM, MP
	TRY "nm em fninit"
	AT
	fninit
	ENDTRY
	TRY "nm em wait"
	AT
	fwait
	ENDTRY
	mov eax, cr0
	and eax, ~0xE
	mov cr0, eax

	;--- #NP (selector error codes), and type checked before presence.
	TRY "np mov ds"
	mov ax, SEL_NP
	AT
	mov ds, ax
	ENDTRY
	TRY "np mov fs rpl3"
	mov ax, SEL_NP | 3
	AT
	mov fs, ax
	ENDTRY
	TRY "np far call"
	AT
	call SEL_NPC:0
	ENDTRY
	SETDESC SEL_T1, 0, 0, 0x02, 0   ; not-present LDT (system) descriptor
	TRY "np+system mov ds"
	mov ax, SEL_T1
	AT
	mov ds, ax
	ENDTRY
	SETGATE IDT_SLOT(0x22), SEL_CODE32, exc_stubs, GATE_INT32 & 0x7FFF
	TRY "np int 22 gate"
	AT
	int 0x22
	ENDTRY
	SETGATE IDT_SLOT(0x22), SEL_NPC, exc_stubs, GATE_INT32
	TRY "np int 22 code seg"
	AT
	int 0x22
	ENDTRY

	;--- #SS.
	mov ax, SEL_SS
	mov ss, ax
	TRY "ss [ebp] past limit"
	mov ebp, 0x20000
	AT
	mov eax, [ebp]
	ENDTRYQ
	mov ax, SEL_DATA32
	mov ss, ax
	call t_report
	mov ax, SEL_SS
	mov ss, ax
	TRY "ss [ebp] at limit-3"
	mov ebp, 0x1FFFC
	AT
	mov eax, [ebp]
	ENDTRYQ
	mov ax, SEL_DATA32
	mov ss, ax
	call t_report
	TRY "ss load not present"
	mov ax, SEL_NP
	AT
	mov ss, ax
	ENDTRY
	TRY "gp ss load null"
	xor eax, eax
	AT
	mov ss, ax
	ENDTRY
	SETDESC SEL_T1, 0, 0xFFFFF, ACC_DATAR, FL_G | FL_D
	TRY "gp ss load read-only"
	mov ax, SEL_T1
	AT
	mov ss, ax
	ENDTRY
	TRY "gp ss load rpl3"
	mov ax, SEL_DATA32 | 3
	AT
	mov ss, ax
	ENDTRY
	TRY "gp ss load dpl3"
	mov ax, SEL_DATA3 & 0xFFFC
	AT
	mov ss, ax
	ENDTRY
	TRY "gp ss load code"
	mov ax, SEL_CODE32
	AT
	mov ss, ax
	ENDTRY

	;--- #GP: selector error codes.
	TRY "gp ds past gdt limit"
	mov ax, 0x400
	AT
	mov ds, ax
	ENDTRY
	TRY "gp ds ldt, no ldt"
	mov ax, 0x0C
	AT
	mov ds, ax
	ENDTRY
	TRY "gp ds rpl3 dpl0"
	mov ax, SEL_DATA32 | 3
	AT
	mov es, ax
	ENDTRY
	TRY "gp ds tss"
	mov ax, SEL_TSS
	AT
	mov ds, ax
	ENDTRY
	TRY "gp gs empty slot"
	mov ax, 0x3F8
	AT
	mov gs, ax
	ENDTRY
	TRY "gp far jmp null"
	AT
	jmp 0:0
	ENDTRY
	TRY "gp far jmp data"
	AT
	jmp SEL_DATA32:0
	ENDTRY
	TRY "gp ltr busy tss"
	mov ax, SEL_TSS
	AT
	ltr ax
	ENDTRY

	;--- #GP / #NP with the IDT bit (bit 1) and the EXT bit (bit 0).
	mov word [u_vars + 64], 0x1FF   ; IDT limit 0x1FF: vectors 0..0x3F only
	mov dword [u_vars + 66], IDT_BASE
	lidt [u_vars + 64]
	TRY "gp int 40 past idt limit"
	AT
	int 0x40
	ENDTRY
	lidt [idtr_image]
	SETDESC IDT_SLOT(0x23) - GDT_BASE, 0, 0xFFFFF, ACC_DATA, FL_G | FL_D   ; a data descriptor
	TRY "gp int 23 not a gate"
	AT
	int 0x23
	ENDTRY
	SETGATE IDT_SLOT(0x23), 0x400, exc_stubs, GATE_INT32
	TRY "gp int 23 gate sel past gdt"
	AT
	int 0x23
	ENDTRY
	SETGATE IDT_SLOT(0x23), 0, exc_stubs, GATE_INT32
	TRY "gp int 23 gate sel null"
	AT
	int 0x23
	ENDTRY
	SETGATE IDT_SLOT(0x23), SEL_DATA32, exc_stubs, GATE_INT32
	TRY "gp int 23 gate sel data"
	AT
	int 0x23
	ENDTRY
	SETGATE IDT_SLOT(0x23), SEL_CODER, 0x10000, GATE_INT32
	TRY "gp int 23 offset past cs limit"
	AT
	int 0x23
	ENDTRY
	; An exception (EXT=1) against a software INT of the same vector (EXT=0).
	SETGATE IDT_SLOT(6), 0x400, exc_stubs + 6 * 8, GATE_INT32
	TRY "gp ud2 gate sel past gdt (ext)"
	AT
	ud2
	ENDTRY
	TRY "gp int 6 gate sel past gdt"
	AT
	int 6
	ENDTRY
	SETGATE IDT_SLOT(6), SEL_CODE32, exc_stubs + 6 * 8, GATE_INT32 & 0x7FFF
	TRY "np ud2 gate not present (ext)"
	AT
	ud2
	ENDTRY
	TRY "np int 6 gate not present"
	AT
	int 6
	ENDTRY
	mov ebx, 6
	call idt_default
	SETGATE IDT_SLOT(3), SEL_CODE32, exc_stubs + 3 * 8, GATE_INT32 & 0x7FFF
	TRY "np int3 gate not present"
	AT
	int3
	ENDTRY
	mov ebx, 3
	call idt_default
	SETGATE IDT_SLOT(1), SEL_CODE32, exc_stubs + 1 * 8, GATE_INT32 & 0x7FFF
	TRY "np int1 (f1) gate not present"
	AT
	db 0xF1
	ENDTRY
	mov ebx, 1
	call idt_default
	TRY "db int1 (f1)"
	AT
	db 0xF1
	ENDTRY

	;--- Double faults (SDM table 6-5).
	SETGATE IDT_SLOT(13), SEL_CODE32, exc_stubs + 13 * 8, GATE_INT32 & 0x7FFF
	TRY "df gp then np"
	mov ax, 0x400
	AT
	mov ds, ax
	ENDTRY
	mov ebx, 13
	call idt_default
	SETGATE IDT_SLOT(0), SEL_CODE32, exc_stubs, GATE_INT32 & 0x7FFF
	TRY "df de then np"
	xor ecx, ecx
	AT
	div ecx
	ENDTRY
	mov ebx, 0
	call idt_default
	SETGATE IDT_SLOT(11), SEL_CODE32, exc_stubs + 11 * 8, GATE_INT32 & 0x7FFF
	TRY "df np then np"
	mov ax, SEL_NP
	AT
	mov ds, ax
	ENDTRY
	mov ebx, 11
	call idt_default
	SETGATE IDT_SLOT(6), SEL_CODE32, exc_stubs + 6 * 8, GATE_INT32 & 0x7FFF
	TRY "benign ud then np"
	AT
	ud2
	ENDTRY
	mov ebx, 6
	call idt_default
	SETGATE IDT_SLOT(13), SEL_DATA32, exc_stubs + 13 * 8, GATE_INT32
	TRY "df gp then gp"
	mov ax, SEL_TSS
	AT
	mov ds, ax
	ENDTRY
	mov ebx, 13
	call idt_default

	;--- REP string instructions faulting part-way, then restarted by IRET.
	mov edi, SCRATCH + 0x1000
	mov ecx, 0x200
	xor eax, eax
.fill:	mov [edi], al
	inc edi
	add al, 7
	loop .fill
	mov edi, SCRATCH + 0x8000
	mov ecx, 0x200
	xor al, al
	rep stosb
	SETDESC SEL_T1, SCRATCH, 0x10FF, ACC_DATA, FL_D
	mov esi, 0x1000
	mov edi, SCRATCH + 0x8000
	mov ecx, 0x200
	TRY "rep movsb past ds limit"      ; (TRY, AT write their variables through DS)
	TRYHOOK hook_limit
	REFAT .rm1
	mov ax, SEL_T1
	mov ds, ax
.rm1:	rep movsb
	ENDTRYQ
	mov ax, SEL_DATA32
	mov ds, ax
	call t_report
	call pr_fault_regs
	call pr_regs_now
	mov esi, SCRATCH + 0x1000
	mov edi, SCRATCH + 0x8000
	mov ecx, 0x200
	repe cmpsb
	PR "  compare: ecx="
	PRX 8, ecx
	NL
	; MOVSD, an element straddling the limit.
	SETDESC SEL_T1, SCRATCH, 0x10FD, ACC_DATA, FL_D
	mov esi, 0x10F0
	mov edi, SCRATCH + 0x9000
	mov ecx, 0x10
	TRY "rep movsd straddling limit"
	TRYHOOK hook_limit
	REFAT .rm2
	mov ax, SEL_T1
	mov ds, ax
.rm2:	rep movsd
	ENDTRYQ
	mov ax, SEL_DATA32
	mov ds, ax
	call t_report
	call pr_fault_regs
	call pr_regs_now
	; STOSD backwards (DF=1) into an expand-down ES: below limit+1 faults.
	SETDESC SEL_T1, SCRATCH, 0x0FFF, ACC_DATAD, FL_D
	mov ax, SEL_T1
	mov es, ax
	mov edi, 0x1008
	mov ecx, 0x10
	mov eax, 0x11223344
	TRY "rep stosd down, expand-down es"
	TRYHOOK hook_limit
	std
	AT
	rep stosd
	ENDTRYQ
	cld
	mov ax, SEL_DATA32
	mov es, ax
	call t_report
	call pr_fault_regs
	call pr_regs_now
	; STOSW into ES with an expand-up limit.
	SETDESC SEL_T1, SCRATCH, 0x0FFF, ACC_DATA, FL_D
	mov ax, SEL_T1
	mov es, ax
	mov edi, 0x0F00
	mov ecx, 0x100
	mov ax, 0x5A5A
	TRY "rep stosw past es limit"
	TRYHOOK hook_limit
	AT
	rep stosw
	ENDTRYQ
	mov ax, SEL_DATA32
	mov es, ax
	call t_report
	call pr_fault_regs
	call pr_regs_now
	; 16-bit addressing in 32-bit code: only CX/SI/DI count, the upper halves stay.
	mov ecx, 0xABCD0003
	mov esi, 0x12340000 + 0x1000
	mov edi, 0x56780000 + 0x2000
	SETDESC SEL_T1, SCRATCH, 0xFFFF, ACC_DATA, 0
	mov ax, SEL_T1
	mov ds, ax
	mov es, ax
	a16 rep movsb
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	PR "a16 rep movsb:"
	call pr_regs_now

	;--- Single-step through REP MOVSB: one trap per iteration (@+0), then @+2.
	mov esi, SCRATCH + 0x1000
	mov edi, SCRATCH + 0xA000
	mov ecx, 3
	mov dword [u_steps], 10
	PR "tf rep movsb traps:"
	TRY "tf rep movsb"
	TRYHOOK hook_steps
	REFAT .rep1
	pushfd
	or dword [esp], 0x100
	popfd
.rep1:	rep movsb
	nop
	ENDTRYQ
	NL
	call t_report
	; MOV SS and POP SS hold the single-step trap over the next instruction.
	mov dword [u_steps], 1
	PR "tf mov ss:"
	TRY "tf mov ss"
	TRYHOOK hook_steps
	mov ax, ss
	REFAT .ss1
	pushfd
	or dword [esp], 0x100
	popfd
.ss1:	mov ss, ax
	nop
	nop
	ENDTRYQ
	NL
	call t_report
	mov dword [u_steps], 1
	PR "tf pop ss:"
	TRY "tf pop ss"
	TRYHOOK hook_steps
	REFAT .ss2
	push ss
	pushfd
	or dword [esp], 0x100
	popfd
.ss2:	pop ss
	nop
	nop
	ENDTRYQ
	NL
	call t_report
	mov dword [u_steps], 1
	PR "tf mov ds:"
	TRY "tf mov ds"
	TRYHOOK hook_steps
	mov ax, ds
	REFAT .ss3
	pushfd
	or dword [esp], 0x100
	popfd
.ss3:	mov ds, ax
	nop
	nop
	ENDTRYQ
	NL
	call t_report

	FINISH "pm_exc"

; hook_rf: set RF in the frame, resume (the instruction breakpoint does not fire again).
hook_rf:
	or dword [ss:ebx + 8], 0x10000
	mov eax, 1
	ret

; hook_limit: the string instruction hit a segment limit. Lift the limit (the handler
; reloads DS and ES from the GDT before its IRET) and restart the instruction.
hook_limit:
	SETDESC SEL_T1, SCRATCH, 0xFFFFF, ACC_DATA, FL_D
	mov eax, 1
	ret

; hook_steps: print the EIP of each single-step trap (relative to t_ref); after
; u_steps traps or once EIP leaves the instruction, clear TF and go on.
hook_steps:
	PR " "
	mov eax, [x_eip]
	sub eax, [t_ref]
	call pr_signed
	mov eax, [x_dr6]
	test eax, 0x4000
	jnz .bs
	PR "(no BS)"
.bs:	dec dword [u_steps]
	jz .stop
	mov eax, [x_eip]
	cmp eax, [t_ref]
	je .go
.stop:	and dword [ss:ebx + 8], ~0x100
.go:	mov eax, 1
	ret

pr_dr6:
	PR "  dr6&e00f="
	mov eax, [x_dr6]
	and eax, 0xE00F
	PRX 4, eax
	NL
	ret

pr_fault_regs:
	PR "  at fault: ecx="
	PRX 8, [x_ecx]
	PR " esi="
	PRX 8, [x_esi]
	PR " edi="
	PRX 8, [x_edi]
	NL
	ret

pr_regs_now:
	PR "  after: ecx="
	PRX 8, ecx
	PR " esi="
	PRX 8, esi
	PR " edi="
	PRX 8, edi
	NL
	ret

%include "end.inc"
