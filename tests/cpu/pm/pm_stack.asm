; pm_stack.asm: the stack-address-size attribute (SS.B) wherever it matters: PUSH and POP
; (general registers, segment registers, memory, PUSHAD/POPAD) with an operand size
; other than the stack size, with junk in ESP's upper half on a 16-bit stack; POP SS
; and LSS changing the stack size inside the instruction (ESP is updated by the old
; size); INT n through 32-bit and 16-bit interrupt gates on a 16-bit stack, and from
; ring 3 onto a 16-bit ring-0 stack (which part of ESP the CPU loads); ENTER (levels 0,
; 1, 3, both operand sizes on both stack sizes) and LEAVE; ENTER's checks of the new
; frame: the segment limit of every push and of the final stack top (expand-up and
; expand-down, #SS, SP and BP unchanged), and with paging a not-present page under the
; new top (#PF with CR2 there, nothing changed); a CALL to a 16-bit TSS (the upper
; halves of the 32-bit registers, the 16-bit state saved by the IRET back).
; References: Intel SDM vol. 2 (PUSH, POP, PUSHA, ENTER, LEAVE, INT n, IRET, LSS),
; vol. 3A 3.4.5 (the B flag), 6.12.1 (stack switching), 7.3 and 7.6 (task switches, the
; 16-bit TSS).
%include "lib.inc"

SEL_S16   equ 0x58      ; 16-bit stack (B=0), base 40000h, limit FFFFh, DPL 0
SEL_S32   equ 0x60      ; 32-bit stack (B=1), base 40000h, limit FFFFFh, DPL 0
SEL_S0_16 equ 0x68      ; 16-bit ring-0 stack for TSS.SS0, base 60000h, limit FFFFh
SEL_R3S16 equ 0x73      ; ring 3: 16-bit stack, base 50000h, limit FFFFh
SEL_R3LIM equ 0x7B      ; ring 3: 16-bit stack, base 50000h, limit 0FFFh
SEL_R3DN  equ 0x83      ; ring 3: 16-bit expand-down stack, base 50000h, limit 0FFFh
SEL_TSS16 equ 0x88      ; 16-bit TSS at TSS16 (available)
SEL_R3S32 equ 0x93      ; ring 3: 32-bit stack, base 50000h, limit FFFFh (byte granular)

S16BASE   equ 0x40000
R3BASE    equ 0x50000
S0BASE    equ 0x60000
TSS16     equ 0x9000
PDIR      equ 0x70000
PT_LO     equ 0x71000
PT_HI     equ 0x72000
%define REC(n) (SCRATCH + 4 * (n))

; SHOW " name=", n: prints the text and record n (8 hex digits).
%macro SHOW 2
	PR %1
	PRX 8, [REC(%2)]
%endmacro

; R3END: after ENDTRYQ in ring 3, the flat ring-3 stack again (the test's own SS may
; not hold ESP), then the report.
%macro R3END 0
	mov cx, SEL_DATA3
	mov ss, cx
	mov esp, STK3_TOP - 0x100
	call t_report
%endmacro
; R3EBP: the report, then EBP as it was at the exception (0: none).
%macro R3EBP 0
	R3END
	PR "  ebp at the fault="
	PRX 8, [REC(0)]
	NL
%endmacro

; FLAT: back on the ring-0 flat stack (no stack access before it).
%macro FLAT 0
	mov cx, SEL_DATA32
	mov ss, cx
	mov esp, STK0_TOP
%endmacro

main:
	PR {"pm_stack: the B bit, ENTER/LEAVE, stacks of the other size, 16-bit tasks", 10}
	SETDESC SEL_S16, S16BASE, 0xFFFF, ACC_DATA, 0
	SETDESC SEL_S32, S16BASE, 0xFFFFF, ACC_DATA, FL_D
	SETDESC SEL_S0_16, S0BASE, 0xFFFF, ACC_DATA, 0
	SETDESC SEL_R3S16, R3BASE, 0xFFFF, ACC_DATA | ACC_DPL3, 0
	SETDESC SEL_R3LIM, R3BASE, 0x0FFF, ACC_DATA | ACC_DPL3, 0
	SETDESC SEL_R3DN, R3BASE, 0x0FFF, ACC_DATAD | ACC_DPL3, 0
	SETDESC SEL_TSS16, TSS16, 0x2B, 0x81, 0
	SETDESC SEL_R3S32, R3BASE, 0xFFFF, ACC_DATA | ACC_DPL3, FL_D

	;--- 1. PUSH and POP on a 16-bit stack, ESP = ABCD0100h (SP 0100h)
	mov dword [S16BASE + 0xF8], 0xDEADBEEF
	mov dword [S16BASE + 0xFC], 0xDEADBEEF
	mov eax, 0x11223344
	mov ebx, 0x55667788
	mov edx, 0x99990000
	mov cx, SEL_S16
	mov ss, cx
	mov esp, 0xABCD0100
	push eax                        ; 32-bit push, 16-bit stack
	mov [REC(0)], esp
	push bx                         ; 16-bit push
	mov [REC(1)], esp
	pop ecx                         ; 32-bit pop
	mov [REC(2)], esp
	mov [REC(3)], ecx
	pop dx                          ; 16-bit pop
	mov [REC(4)], esp
	mov [REC(5)], edx
	mov dword [S16BASE + 0xFC], 0xDEADBEEF
	push ds                         ; o32 PUSH DS: which bytes of the slot are written?
	mov [REC(6)], esp
	mov eax, [S16BASE + 0xFC]
	mov [REC(7)], eax
	pop es                          ; and back (o32 POP ES: a selector from the low word)
	mov [REC(8)], esp
	mov ax, es
	mov [REC(9)], eax
	mov ax, SEL_DATA32
	mov es, ax
	pushad                          ; the ESP pushed is all of ESP
	mov [REC(10)], esp
	mov eax, [S16BASE + 0xE0 + 12]
	mov [REC(11)], eax
	popad
	mov [REC(12)], esp
	push dword [S16BASE + 0xFC]     ; PUSH m32 and POP m16 through DS
	pop word [S16BASE + 0xF0]
	mov [REC(13)], esp
	pushfd
	pop cx                          ; a doubleword pushed, a word popped
	mov [REC(14)], esp
	FLAT
	PR "push/pop on a 16-bit stack:"
	SHOW " push32=", 0
	SHOW " push16=", 1
	SHOW " pop32=", 2
	SHOW "/", 3
	SHOW " pop16=", 4
	SHOW "/", 5
	NL
	PR "  push32 ds:"
	SHOW " esp=", 6
	SHOW " slot=", 7
	SHOW " pop32 es: esp=", 8
	SHOW " es=", 9
	NL
	PR "  pushad:"
	SHOW " esp=", 10
	SHOW " pushed esp=", 11
	SHOW " popad esp=", 12
	SHOW " push m32/pop m16 esp=", 13
	SHOW " pushfd/pop16 esp=", 14
	NL

	;--- 2. 16-bit operands on a 32-bit stack (base 40000h), ESP = 00010002h
	mov dword [S16BASE + 0xFFFC], 0xDEADBEEF
	mov cx, SEL_S32
	mov ss, cx
	mov esp, 0x00010002
	push word 0x1234
	mov [REC(0)], esp
	push dword 0x56789ABC
	mov [REC(1)], esp
	pop ax
	mov [REC(2)], esp
	mov [REC(3)], eax
	pop eax
	mov [REC(4)], esp
	mov [REC(5)], eax
	pushaw
	mov [REC(6)], esp
	popaw
	mov [REC(7)], esp
	FLAT
	PR "push/pop on a 32-bit stack:"
	SHOW " push16=", 0
	SHOW " push32=", 1
	SHOW " pop16=", 2
	SHOW "/", 3
	SHOW " pop32=", 4
	SHOW "/", 5
	SHOW " pusha16=", 6
	SHOW " popa16=", 7
	NL

	;--- 3. POP SS and LSS changing the stack size: ESP moves by the old size
	mov dword [S16BASE + 0x1FFFC], SEL_S16
	mov cx, SEL_S32
	mov ss, cx
	mov esp, 0x0001FFFC
	pop ss                          ; from a 32-bit stack to a 16-bit one
	mov [REC(0)], esp
	mov word [S16BASE + 0xFFFE], SEL_S32
	mov esp, 0x1234FFFE
	o16 pop ss                      ; from a 16-bit stack (SP wraps) to a 32-bit one
	mov [REC(1)], esp
	mov cx, SEL_S16
	mov ss, cx
	mov esp, 0x5678FFFE
	mov dword [SCRATCH + 0x100], 0x9ABCDEF0
	mov word [SCRATCH + 0x104], SEL_S32
	lss esp, [SCRATCH + 0x100]
	mov [REC(2)], esp
	mov dword [SCRATCH + 0x100], 0x0000DEF0
	mov word [SCRATCH + 0x102], SEL_S16
	mov esp, 0x11112222
	o16 lss sp, [SCRATCH + 0x100]   ; a 16-bit offset: SP only
	mov [REC(3)], esp
	mov cx, SEL_S32
	mov ss, cx                      ; MOV SS does not touch ESP
	mov [REC(4)], esp
	FLAT
	PR "ss loads:"
	SHOW " pop32 ss (32->16)=", 0
	SHOW " pop16 ss (16->32)=", 1
	SHOW " lss esp=", 2
	SHOW " lss sp=", 3
	SHOW " mov ss=", 4
	NL

	;--- 4. INT n on a 16-bit stack through a 32-bit and a 16-bit interrupt gate (from
	; code at offsets below 64 KiB: SEL_CODER)
	SETGATE IDT_SLOT(0x40), SEL_CODER, ROFF(h_int32), GATE_INT32
	SETGATE IDT_SLOT(0x41), SEL_CODER, ROFF(h_int16), GATE_INT16
	jmp SEL_CODER:ROFF(.low)
.low:	mov cx, SEL_S16
	mov ss, cx
	mov esp, 0xABCD0200
	int 0x40
	mov [REC(4)], esp
	mov esp, 0x12340200
	int 0x41
	mov [REC(9)], esp
	jmp SEL_CODE32:.back
.back:	FLAT
	PR "int on a 16-bit stack, 32-bit gate:"
	SHOW " esp=", 0
	SHOW " eip=", 1
	SHOW " cs=", 2
	SHOW " eflags=", 3
	SHOW " after iret=", 4
	NL
	PR "  16-bit gate:"
	SHOW " esp=", 5
	SHOW " ip/cs=", 6
	SHOW " flags=", 7
	SHOW " top=", 8
	SHOW " after iret=", 9
	NL

	;--- 5. From ring 3 to a 16-bit ring-0 stack (TSS.SS0:ESP0 = SEL_S0_16:5A5A1000h)
	SETGATE IDT_SLOT(0x42), SEL_CODE32, h_inner, GATE_INT32 | GATE_DPL3
	mov dword [TSS_BASE + 4], 0x5A5A1000
	mov dword [TSS_BASE + 8], SEL_S0_16
	RING3
	mov eax, 0x33330000
	int 0x42
	mov [REC(7)], esp
	mov ax, ss
	mov [REC(8)], eax
	ENDRING3
	PR "int from ring 3 to a 16-bit ring-0 stack:"
	SHOW " esp=", 0
	SHOW " eip=", 1
	SHOW " cs=", 2
	SHOW " esp3=", 4
	SHOW " ss3=", 5
	NL
	PR "  back in ring 3:"
	SHOW " esp=", 7
	SHOW " ss=", 8
	NL

	;--- 6. ENTER and LEAVE, both operand sizes on both stack sizes
	mov edi, S16BASE + 0x100        ; a frame chain to copy: words and dwords
	mov ecx, 0x40
	mov eax, 0xA0B0C0D0
.fill:	mov [edi], eax
	add eax, 0x01010101
	add edi, 4
	loop .fill
	mov cx, SEL_S16
	mov ss, cx
	mov esp, 0xABCD0200
	mov ebp, 0x99990180
	enter 8, 0                      ; o32, level 0, 16-bit stack
	mov [REC(0)], ebp
	mov [REC(1)], esp
	leave
	mov [REC(2)], ebp
	mov [REC(3)], esp
	mov ebp, 0x99990180
	enter 4, 3                      ; o32, level 3: [BP-4], [BP-8] copied
	mov [REC(4)], ebp
	mov [REC(5)], esp
	mov eax, [S16BASE + 0x1F8]
	mov [REC(6)], eax
	mov eax, [S16BASE + 0x1F4]
	mov [REC(7)], eax
	mov eax, [S16BASE + 0x1F0]
	mov [REC(8)], eax
	mov eax, [S16BASE + 0x1EC]
	mov [REC(9)], eax
	leave
	mov [REC(10)], ebp
	mov [REC(11)], esp
	FLAT
	PR "enter/leave o32, 16-bit stack:"
	SHOW " ebp=", 0
	SHOW " esp=", 1
	SHOW " leave ebp=", 2
	SHOW " esp=", 3
	NL
	PR "  level 3:"
	SHOW " ebp=", 4
	SHOW " esp=", 5
	SHOW " frame=", 6
	SHOW " ", 7
	SHOW " ", 8
	SHOW " ", 9
	SHOW " leave ebp=", 10
	SHOW " esp=", 11
	NL
	mov cx, SEL_S16
	mov ss, cx
	mov esp, 0xABCD0200
	mov ebp, 0x99990180
	o16 enter 6, 3                  ; o16, level 3: [BP-2], [BP-4] copied
	mov [REC(0)], ebp
	mov [REC(1)], esp
	mov eax, [S16BASE + 0x1FC]
	mov [REC(2)], eax
	mov eax, [S16BASE + 0x1F8]
	mov [REC(3)], eax
	o16 leave
	mov [REC(4)], ebp
	mov [REC(5)], esp
	mov cx, SEL_S32
	mov ss, cx
	mov esp, 0x00010200
	mov ebp, 0x00010180
	o16 enter 2, 2                  ; o16, level 2, 32-bit stack
	mov [REC(6)], ebp
	mov [REC(7)], esp
	mov eax, [S16BASE + 0x101FC]
	mov [REC(8)], eax
	o16 leave
	mov [REC(9)], ebp
	mov [REC(10)], esp
	mov esp, 0x00010200
	mov ebp, 0x00010180
	enter 0x1000, 1                 ; o32, level 1, 32-bit stack
	mov [REC(11)], ebp
	mov [REC(12)], esp
	mov eax, [S16BASE + 0x101F8]
	mov [REC(13)], eax
	FLAT
	PR "enter/leave o16, 16-bit stack, level 3:"
	SHOW " ebp=", 0
	SHOW " esp=", 1
	SHOW " frame=", 2
	SHOW " ", 3
	SHOW " leave ebp=", 4
	SHOW " esp=", 5
	NL
	PR "  o16 on a 32-bit stack, level 2:"
	SHOW " ebp=", 6
	SHOW " esp=", 7
	SHOW " frame=", 8
	SHOW " leave ebp=", 9
	SHOW " esp=", 10
	NL
	PR "  o32 level 1, 32-bit stack:"
	SHOW " ebp=", 11
	SHOW " esp=", 12
	SHOW " frame=", 13
	NL

	;--- 7. ENTER's checks and stack limits, in ring 3 (faults switch to ring 0)
	RING3
%macro R3TRY 4                          ; name, selector, esp, instruction
	mov dword [REC(0)], 0
	TRY %1
	TRYHOOK rec_ebp
	mov cx, %2
	mov ss, cx
	mov esp, %3
	mov ebp, 0x4444
	AT
	%4
	ENDTRYQ
	R3EBP
%endmacro
	R3TRY "o32 enter 10h,0 at sp 8, limit 0fffh", SEL_R3LIM, 8, {enter 0x10, 0}
	R3TRY "o32 enter 0,0 at sp 1000h, limit 0fffh", SEL_R3LIM, 0x1000, {enter 0, 0}
	R3TRY "o32 enter 0,0 at sp 1002h, limit 0fffh", SEL_R3LIM, 0x1002, {enter 0, 0}
	R3TRY "o16 enter 0,0 at sp 1002h, limit 0fffh", SEL_R3LIM, 0x1002, {o16 enter 0, 0}
	R3TRY "o32 enter 2,0 at sp 0ff8h, limit 0fffh", SEL_R3LIM, 0x0FF8, {enter 2, 0}
	R3TRY "o32 enter 3,0 at sp 4, limit ffffh", SEL_R3S16, 4, {enter 3, 0}
	R3TRY "o32 enter 3,0 at sp 8, limit ffffh", SEL_R3S16, 8, {enter 3, 0}
	R3TRY "o16 enter 1,0 at sp 2, limit ffffh", SEL_R3S16, 2, {o16 enter 1, 0}
	R3TRY "o16 enter 2,0 at sp 2, limit ffffh", SEL_R3S16, 2, {o16 enter 2, 0}
	R3TRY "o32 enter 10h,0 at sp 1010h, expand-down", SEL_R3DN, 0x1010, {enter 0x10, 0}
	R3TRY "o32 enter 0ch,0 at sp 1010h, expand-down", SEL_R3DN, 0x1010, {enter 0x0C, 0}
	R3TRY "o16 enter 0eh,0 at sp 1010h, expand-down", SEL_R3DN, 0x1010, {o16 enter 0x0E, 0}
	R3TRY "o16 enter 0fh,0 at sp 1010h, expand-down", SEL_R3DN, 0x1010, {o16 enter 0x0F, 0}
	R3TRY "o32 push at sp 2 (wraps), limit ffffh", SEL_R3S16, 2, {push eax}
	R3TRY "o32 pop at sp fffeh", SEL_R3S16, 0xFFFE, {pop eax}
	R3TRY "o16 enter 0,0 at esp 10001h, 32-bit, limit ffffh", SEL_R3S32, 0x10001, {o16 enter 0, 0}
	R3TRY "o16 enter 0,0 at esp 10000h, 32-bit, limit ffffh", SEL_R3S32, 0x10000, {o16 enter 0, 0}
	R3TRY "o16 enter 0,1 at esp 10000h, 32-bit, limit ffffh", SEL_R3S32, 0x10000, {o16 enter 0, 1}
	; ENTER with level 2 and a BP whose frame is past the limit
	mov dword [REC(0)], 0
	TRY "o32 enter 0,2 with bp 2000h, limit 0fffh"
	TRYHOOK rec_ebp
	mov cx, SEL_R3LIM
	mov ss, cx
	mov esp, 0x0800
	mov ebp, 0x2000
	AT
	enter 0, 2
	ENDTRYQ
	R3EBP
	TRY "o16 pop at sp fffeh (wraps to 0)"
	mov cx, SEL_R3S16
	mov ss, cx
	mov esp, 0x1234FFFE
	AT
	pop ax
	mov [REC(0)], esp
	ENDTRYQ
	R3END
	PR "  esp after="
	PRX 8, [REC(0)]
	NL
	ENDRING3

	;--- 8. ENTER with paging: the new stack top in a page that is not present
	call paging_on
	mov esp, 0x51000
	mov ebp, 0x51100
	mov dword [REC(0)], 0
	TRY "o32 enter 2000h,0 over a not-present page"
	TRYHOOK rec_ebp
	AT
	enter 0x2000, 0
	ENDTRYQ
	mov eax, cr2
	mov [REC(1)], eax
	mov esp, STK0_TOP
	call t_report
	mov esp, 0x51000
	TRY "o32 enter 0f00h,0 on the present page"
	AT
	enter 0x0F00, 0
	ENDTRYQ
	mov [REC(2)], esp
	mov esp, STK0_TOP
	call t_report
	call paging_off
	PR "  #pf: ebp="
	PRX 8, [REC(0)]
	SHOW " cr2=", 1
	SHOW "; none: esp=", 2
	NL

	;--- 9. CALL to a 16-bit TSS and IRET back
	mov edi, TSS16
	mov ecx, 0x2C
	xor eax, eax
	rep stosb
	mov word [TSS16 + 14], ROFF(task16)     ; IP
	mov word [TSS16 + 16], 0x0002           ; FLAGS
	mov word [TSS16 + 18], 0x1111           ; AX CX DX BX SP BP SI DI
	mov word [TSS16 + 20], 0x2222
	mov word [TSS16 + 22], 0x3333
	mov word [TSS16 + 24], 0x4444
	mov word [TSS16 + 26], 0x0F00
	mov word [TSS16 + 28], 0x5555
	mov word [TSS16 + 30], 0x6666
	mov word [TSS16 + 32], 0x7777
	mov word [TSS16 + 34], SEL_DATA32       ; ES CS SS DS
	mov word [TSS16 + 36], SEL_CODER
	mov word [TSS16 + 38], SEL_S16
	mov word [TSS16 + 40], SEL_DATA32
	mov eax, 0xA5A50001
	mov ecx, 0xA5A50002
	mov edx, 0xA5A50003
	mov ebx, 0xA5A50004
	mov ebp, 0xA5A50005
	mov esi, 0xA5A50006
	mov edi, 0xA5A50007
	call SEL_TSS16:0
	mov [REC(16)], eax
	mov [REC(17)], ecx
	mov [REC(18)], ebp
	mov [REC(19)], edi
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	PR "16-bit task:"
	SHOW " eax=", 0
	SHOW " ecx=", 1
	SHOW " edx=", 2
	SHOW " ebx=", 3
	NL
	SHOW "  esp=", 4
	SHOW " ebp=", 5
	SHOW " esi=", 6
	SHOW " edi=", 7
	SHOW " eflags=", 8
	SHOW " fs=", 9
	NL
	PR "  saved in the 16-bit tss: ip="
	PRX 4, [TSS16 + 14]
	PR " flags="
	PRX 4, [TSS16 + 16]
	PR " ax="
	PRX 4, [TSS16 + 18]
	PR " sp="
	PRX 4, [TSS16 + 26]
	PR " di="
	PRX 4, [TSS16 + 32]
	PR " link="
	PRX 4, [TSS16]
	NL
	PR "  back:"
	SHOW " eax=", 16
	SHOW " ecx=", 17
	SHOW " ebp=", 18
	SHOW " edi=", 19
	NL

	FINISH "pm_stack"

; rec_ebp (TRYHOOK): records EBP at the exception in REC(0); 0: the TRY goes on at
; ENDTRY.
rec_ebp:
	mov eax, [ebp - 28]             ; EBP as PUSHAD in exc_common saved it
	mov [REC(0)], eax
	xor eax, eax
	ret

; Interrupt handlers on a 16-bit stack: only SP-relative stack accesses.
h_int32:
	mov [REC(0)], esp
	movzx ebp, sp
	mov eax, [ss:ebp]
	mov [REC(1)], eax
	mov eax, [ss:ebp + 4]
	mov [REC(2)], eax
	mov eax, [ss:ebp + 8]
	mov [REC(3)], eax
	iretd
h_int16:
	mov [REC(5)], esp
	movzx ebp, sp
	mov eax, [ss:ebp]
	mov [REC(6)], eax
	movzx eax, word [ss:ebp + 4]
	mov [REC(7)], eax
	mov eax, [ss:ebp + 6]
	mov [REC(8)], eax
	o16 iret

; INT 0x42 from ring 3: the ring-0 stack is SEL_S0_16 with ESP0 5A5A1000h.
h_inner:
	mov [REC(0)], esp
	movzx ebp, sp
	mov eax, [ss:ebp]
	mov [REC(1)], eax
	mov eax, [ss:ebp + 4]
	mov [REC(2)], eax
	mov eax, [ss:ebp + 12]
	mov [REC(4)], eax
	mov eax, [ss:ebp + 16]
	mov [REC(5)], eax
	mov dword [TSS_BASE + 4], STKX_TOP   ; the lib's ring-0 stack again
	mov dword [TSS_BASE + 8], SEL_DATA32
	iretd

; paging_on: identity paging of the low and the top 4 MiB, 4E000h not present.
paging_on:
	pushad
	mov edi, PDIR
	mov ecx, 0x3000 / 4
	xor eax, eax
	rep stosd
	mov dword [PDIR], PT_LO | 3
	mov dword [PDIR + 1023 * 4], PT_HI | 3
	mov edi, PT_LO
	mov eax, 3
	mov ecx, 1024
.l1:	stosd
	add eax, 0x1000
	loop .l1
	mov edi, PT_HI
	mov eax, 0xFFC00003
	mov ecx, 1024
.l2:	stosd
	add eax, 0x1000
	loop .l2
	and dword [PT_LO + 0x4E * 4], ~1 ; 4E000h not present
	mov eax, PDIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	popad
	ret
paging_off:
	push eax
	mov eax, cr0
	and eax, 0x7FFFFFFF
	mov cr0, eax
	pop eax
	ret

; The 16-bit task (CS = SEL_CODER, SS = SEL_S16): records its registers, changes them
; and returns by IRET (NT set).
task16:
	mov [REC(0)], eax
	mov [REC(1)], ecx
	mov [REC(2)], edx
	mov [REC(3)], ebx
	mov [REC(4)], esp
	mov [REC(5)], ebp
	mov [REC(6)], esi
	mov [REC(7)], edi
	pushfd
	pop dword [REC(8)]
	mov ax, fs
	mov [REC(9)], eax
	mov eax, 0xBEEF0A0A
	mov edi, 0xBEEF0D0D
	iretd

%include "end.inc"
