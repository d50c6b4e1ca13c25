; pm_enter.asm: from reset through real mode into protected mode and back.
; The reset state (CS=F000, CR0), real-mode exceptions through the IVT (fault return
; addresses, no error codes), LIDT moving the IVT and its limit, #UD for the
; protected-mode-only instructions in real mode, the real-mode segment limit (#GP for
; a word at offset 0xFFFF); then LGDT, CR0.PE with the real-mode CS cache still in
; use until the far jump, 16-bit and 32-bit protected mode; back to real mode with the
; descriptor caches kept ("unreal" 4 GiB DS; real-mode loads change the base only);
; finally the library's own entry into protected mode.
; References: Intel SDM vol. 3, 9.1 (reset state), 9.9 (mode switching), 20.1 (real-
; address mode: IVT, limits), 3.4.3 (segment registers' hidden part).
; QEMU checks no segment limits in real mode: where it differs, Bochs is followed.
%define CUSTOM_START
%include "lib.inc"

MARK_ADDR equ 0x200000

	absolute u_vars
rt_name:	resw 1
rt_resume:	resw 1
rt_ref:		resw 1
rt_sp:		resw 1
rx_count:	resw 1
rx_vec:		resw 1
rx_ip:		resw 1
rx_cs:		resw 1
r_cnt:		resw 1
	section .text

; Real-mode TRY: as TRY, for 16-bit code with CS=F000 and DS=0.
%macro RTRY 1
 %push rtry
	mov word [rt_name], ROFF(%%s)
	jmp %%go
 %%s:	db %1, 0
 %%go:	mov word [rt_resume], ROFF(%$out)
	mov word [rt_ref], ROFF(%$at)
	mov word [rx_count], 0
	mov [rt_sp], sp
 %$at:
%endmacro
%macro RAT 0
	mov word [rt_ref], ROFF(%%h)
 %%h:
%endmacro
%macro RENDTRY 0
 %$out:
	call rt_report
 %pop
%endmacro

	bits 16
start16:
	cli
	cld
	mov ax, cs
	mov bx, ax
	xor ax, ax
	mov ss, ax
	mov esp, 0x7000
	mov ds, ax
	mov es, ax
	PR16 {"pm_enter: real mode <-> protected mode", 10, "reset: cs="}
	PRX16 4, ebx
	mov eax, cr0
	PR16 " cr0="
	PRX16 8, eax
	smsw ax
	PR16 " msw="
	PRX16 4, eax
	PR16 {10}
	; The IVT: vectors 0..0x0F to stubs (report and go on), 0x40 to an IRET handler.
	xor di, di
	xor bx, bx
.ivt:	mov ax, bx
	shl ax, 3
	add ax, ROFF(rstubs)
	mov [di], ax
	mov word [di + 2], 0xF000
	add di, 4
	inc bx
	cmp bx, 16
	jb .ivt
	mov word [0x40 * 4], ROFF(rint40)
	mov word [0x40 * 4 + 2], 0xF000

	;--- Real-mode exceptions: no error code, faults return to the instruction.
	RTRY "rm div by 0"
	mov ax, 1
	xor cl, cl
	RAT
	div cl
	RENDTRY
	RTRY "rm ud2"
	RAT
	ud2
	RENDTRY
	RTRY "rm int3"
	RAT
	int3
	RENDTRY
	RTRY "rm into"
	mov al, 0x7F
	add al, 1
	RAT
	into
	RENDTRY
	RTRY "rm bound"
	mov word [SCRATCH >> 4], 1
	mov word [(SCRATCH >> 4) + 2], 2
	mov ax, 3
	RAT
	bound ax, [SCRATCH >> 4]
	RENDTRY
	mov word [r_cnt], 0
	mov word [rt_ref], ROFF(.i40)
.i40:	int 0x40
	PR16 "rm int 40 via ivt: count="
	PRX16 4, [r_cnt]
	PR16 " ip@"
	mov ax, [rx_ip]
	sub ax, [rt_ref]
	PRX16 4, eax
	PR16 {10}
	; PM-only instructions are #UD in real mode.
	RTRY "rm lar"
	RAT
	lar ax, bx
	RENDTRY
	RTRY "rm verr"
	RAT
	verr ax
	RENDTRY
	RTRY "rm arpl"
	RAT
	arpl ax, bx
	RENDTRY
	RTRY "rm str"
	RAT
	str ax
	RENDTRY
	RTRY "rm sldt"
	RAT
	sldt ax
	RENDTRY
	RTRY "rm ltr"
	RAT
	ltr ax
	RENDTRY
	RTRY "rm smsw"
	RAT
	smsw ax
	RENDTRY
	; Segment limit 0xFFFF: a word at offset 0xFFFF faults (#GP, vector 13).
	RTRY "rm word at ds:ffff"
	RAT
	mov ax, [0xFFFF]
	RENDTRY
	RTRY "rm byte at ds:ffff"
	RAT
	mov al, [0xFFFF]
	RENDTRY
	RTRY "rm dword at ds:fffd"
	RAT
	mov eax, [0xFFFD]
	RENDTRY
	RTRY "rm a32 byte at ds:10000"
	mov esi, 0x10000
	RAT
	mov al, [esi]
	RENDTRY

	;--- LIDT moves the IVT; its limit is checked.
	mov si, 0
	mov di, 0x8000
	mov cx, 0x400
	rep movsb
	mov word [0x8000 + 0x41 * 4], ROFF(rint41)
	mov word [0x8000 + 0x41 * 4 + 2], 0xF000
	mov word [SCRATCH >> 4], 0x3FF
	mov dword [(SCRATCH >> 4) + 2], 0x8000
	lidt [SCRATCH >> 4]
	mov word [r_cnt], 0
	int 0x41
	int 0x40
	PR16 "rm ivt at 8000: int 41, int 40 -> count="
	PRX16 4, [r_cnt]
	PR16 {10}
	mov word [SCRATCH >> 4], 0x103              ; vectors 0..0x40
	lidt [SCRATCH >> 4]
	RTRY "rm int 41 past ivt limit"
	RAT
	int 0x41
	RENDTRY
	mov word [SCRATCH >> 4], 0x3FF
	mov dword [(SCRATCH >> 4) + 2], 0
	lidt [SCRATCH >> 4]

	;--- Into protected mode. PE set: still the real-mode CS until the far jump.
	push cs
	pop ds
	xor ax, ax
	mov es, ax
	mov si, ROFF(gdt_image)
	mov di, GDT_BASE
	mov cx, gdt_image_end - gdt_image
	rep movsb
	o32 lgdt [ROFF(gdtr_image)]
	xor ax, ax
	mov ds, ax
	mov eax, cr0
	or al, 1
	mov cr0, eax
	mov bx, cs
	PR16 "pe=1 before far jmp: cs="
	PRX16 4, ebx
	mov eax, cr0
	PR16 " cr0&1="
	and eax, 1
	PRX16 1, eax
	PR16 {10}
	jmp SEL_CODE16:ROFF(.pm16)
.pm16:	mov bx, cs
	PR16 "16-bit pm: cs="
	PRX16 4, ebx
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ax, SEL_DATA16
	mov fs, ax
	mov dword [dword MARK_ADDR], 0x600DF00D     ; DS: flat 4 GiB
	mov eax, [dword MARK_ADDR]
	PR16 " [200000]="
	PRX16 8, eax
	PR16 {10}
	jmp dword SEL_CODE32:.pm32
	bits 32
.pm32:	mov ax, SEL_DATA32
	mov ss, ax
	mov esp, 0x7000
	mov ax, cs
	PR "32-bit pm: cs="
	PRX 4, eax
	smsw ax
	PR " msw&f="
	and eax, 0xF
	PRX 1, eax
	NL
	; Back: DS keeps the flat 4 GiB descriptor, ES and SS get 64 KiB ones.
	mov ax, SEL_DATA16
	mov es, ax
	mov ss, ax
	jmp SEL_CODE16:ROFF(.back16)
	bits 16
.back16:
	mov eax, cr0
	and al, ~1
	mov cr0, eax
	jmp 0xF000:ROFF(.rm2)
.rm2:	xor ax, ax
	mov ss, ax
	mov esp, 0x7000
	mov bx, cs
	PR16 "back in real mode: cs="
	PRX16 4, ebx
	mov eax, cr0
	PR16 " cr0&1="
	and eax, 1
	PRX16 1, eax
	PR16 {10}
	mov eax, [dword MARK_ADDR]                  ; DS: base 0, limit 4 GiB (unreal)
	PR16 "unreal ds: [200000]="
	PRX16 8, eax
	xor ax, ax
	mov ds, ax                                  ; a real-mode load: base only
	mov eax, [dword MARK_ADDR]
	PR16 " after mov ds,0: [200000]="
	PRX16 8, eax
	PR16 {10}
	RTRY "rm es 64k: [es:200000]"
	xor ax, ax
	mov es, ax
	RAT
	mov eax, [es:dword MARK_ADDR]
	RENDTRY
	RTRY "rm fs 64k: word at fs:ffff"
	xor ax, ax
	mov fs, ax
	RAT
	mov ax, [fs:0xFFFF]
	RENDTRY
	mov word [r_cnt], 0
	int 0x40
	PR16 "int 40 after the round trip: count="
	PRX16 4, [r_cnt]
	PR16 {10}

	;--- The library's entry into protected mode (GDT, IDT, TSS), then a last check.
	jmp pm_init16

	bits 32
main:
	TRY "pm ud2 after re-entry"
	AT
	ud2
	ENDTRY
	FINISH "pm_enter"

	bits 16
; rt_report: "name: none" or "name: v=VV @+D".
rt_report:
	pushf
	pushad
	push ds
	xor ax, ax
	mov ds, ax
	mov si, [rt_name]
.n:	cs lodsb
	test al, al
	jz .ne
	out 0xE9, al
	jmp .n
.ne:	PR16 ":"
	cmp word [rx_count], 0
	jne .x
	PR16 " none"
	jmp .d
.x:	PR16 " v="
	PRX16 2, [rx_vec]
	PR16 " @+"
	mov ax, [rx_ip]
	sub ax, [rt_ref]
	PRX16 4, eax
	cmp word [rx_cs], 0xF000
	je .d
	PR16 " cs="
	PRX16 4, [rx_cs]
.d:	PR16 {10}
	mov word [rt_resume], 0
	pop ds
	popad
	popf
	ret

; Real-mode exception stubs, 8 bytes each, and their common part.
	align 8
rstubs:
%assign v 0
%rep 16
	push byte v             ; 2 bytes
	jmp near rcommon        ; 3 bytes
	nop
	nop
	nop
 %assign v v + 1
%endrep
rcommon:
	push bp
	mov bp, sp
	xor ax, ax
	mov ds, ax
	mov ax, [bp + 2]
	mov [rx_vec], ax
	mov ax, [bp + 4]
	mov [rx_ip], ax
	mov ax, [bp + 6]
	mov [rx_cs], ax
	inc word [rx_count]
	cmp word [rt_resume], 0
	je .unexp
	mov sp, [rt_sp]
	jmp [rt_resume]
.unexp:	PR16 "UNEXPECTED real-mode v="
	PRX16 2, [rx_vec]
	PR16 " cs:ip="
	PRX16 4, [rx_cs]
	PR16 ":"
	PRX16 4, [rx_ip]
	PR16 {10}
	cli
	hlt

rint40:
	push bp
	mov bp, sp
	push ax
	push ds
	xor ax, ax
	mov ds, ax
	mov ax, [bp + 2]
	mov [rx_ip], ax
	inc word [r_cnt]
	pop ds
	pop ax
	pop bp
	iret
rint41:
	push ds
	push ax
	xor ax, ax
	mov ds, ax
	add word [r_cnt], 0x100
	pop ax
	pop ds
	iret

	bits 32
%include "end.inc"
