; pm_seg.asm: segment limit and type checks in protected mode (ring 0).
; Read-only and execute-only segments, code segments as data, expand-up and
; expand-down limits (byte and page granular, B=0 and B=1) at their exact boundaries,
; null selectors, the accessed bit, the LDT, and the CS limit for instruction fetch
; and near jumps.
; References: Intel SDM vol. 3, 3.4.5 (segment descriptors), 5.3 (limit checking),
; 5.4 (type checking), 5.5 (privilege levels); vol. 2 MOV/LDS/LLDT/JMP.
; QEMU's TCG does not check data segment limits at all (its output differs there);
; Bochs does, as real CPUs do: the .expect follows Bochs.
%include "lib.inc"

SEL_T1    equ 0x58
SEL_T2    equ 0x60
SEL_XO    equ 0x68      ; flat execute-only code
SEL_LDT   equ 0x70      ; an LDT of 4 entries at LDT_BASE
SEL_CS1   equ 0x78      ; 32-bit code, base ROMBASE, limit = end of a short block
SEL_CONF  equ 0x80      ; flat conforming readable code
LDT_BASE  equ 0x8000

main:
	PR {"pm_seg: limit and type checks", 10}
	mov dword [SCRATCH], 0x11223344

	;--- Read-only data.
	SETDESC SEL_T1, SCRATCH, 0xFFF, ACC_DATAR, FL_D
	mov ax, SEL_T1
	mov fs, ax
	TRY "ro read"
	AT
	mov eax, [fs:0]
	ENDTRY
	TRY "ro write"
	AT
	mov [fs:0], eax
	ENDTRY
	TRY "ro inc"
	AT
	inc dword [fs:0]
	ENDTRY

	;--- Code segments used as data, and data used as code.
	TRY "cs: read (readable)"
	AT
	mov eax, [cs:SCRATCH]
	ENDTRY
	TRY "cs: write"
	AT
	mov [cs:SCRATCH], eax
	ENDTRY
	TRY "mov fs, readable code"
	mov ax, SEL_CODE32
	AT
	mov fs, ax
	ENDTRY
	TRY "fs: write to code"
	AT
	mov [fs:SCRATCH], eax
	ENDTRY
	SETDESC SEL_XO, 0, 0xFFFFF, ACC_CODEX, FL_G | FL_D
	TRY "mov fs, execute-only code"
	mov ax, SEL_XO
	AT
	mov fs, ax
	ENDTRY
	TRY "cs: read in exec-only cs"
	jmp SEL_XO:.xo
.xo:	AT
	mov eax, [cs:SCRATCH]
	ENDTRY
	jmp SEL_CODE32:.xo2
.xo2:	TRY "far jmp to data"
	AT
	jmp SEL_DATA32:0
	ENDTRY
	TRY "far call to data"
	AT
	call SEL_DATA32:0
	ENDTRY
	SETDESC SEL_CONF, 0, 0xFFFFF, ACC_CODEC, FL_G | FL_D
	TRY "mov gs, conforming code rpl3"
	mov ax, SEL_CONF | 3
	AT
	mov gs, ax
	ENDTRY
	TRY "mov ss, conforming code"
	mov ax, SEL_CONF
	AT
	mov ss, ax
	ENDTRY

	;--- Expand-up limits, byte granular.
	SETDESC SEL_T1, SCRATCH, 0x0FFF, ACC_DATA, FL_D
	mov ax, SEL_T1
	mov fs, ax
	TRY "up byte at limit"
	AT
	mov al, [fs:0xFFF]
	ENDTRY
	TRY "up byte at limit+1"
	AT
	mov al, [fs:0x1000]
	ENDTRY
	TRY "up dword at limit-3"
	AT
	mov eax, [fs:0xFFC]
	ENDTRY
	TRY "up dword at limit-2"
	AT
	mov eax, [fs:0xFFD]
	ENDTRY
	TRY "up word at limit"
	AT
	mov ax, [fs:0xFFF]
	ENDTRY
	TRY "up offset ffffffff"
	mov ebx, 0xFFFFFFFF
	AT
	mov al, [fs:ebx]
	ENDTRY
	; Page granular: limit 0 means 0xFFF.
	SETDESC SEL_T1, SCRATCH, 0, ACC_DATA, FL_D | FL_G
	mov ax, SEL_T1
	mov fs, ax
	TRY "up g=1 limit 0: fff"
	AT
	mov al, [fs:0xFFF]
	ENDTRY
	TRY "up g=1 limit 0: 1000"
	AT
	mov al, [fs:0x1000]
	ENDTRY
	; 16-bit segment (B=0), limit 0xFFFF, word at 0xFFFF.
	SETDESC SEL_T1, SCRATCH, 0xFFFF, ACC_DATA, 0
	mov ax, SEL_T1
	mov fs, ax
	TRY "up 16-bit word at ffff"
	AT
	mov ax, [fs:0xFFFF]
	ENDTRY
	TRY "up 16-bit byte at ffff"
	AT
	mov al, [fs:0xFFFF]
	ENDTRY

	;--- Expand-down: valid offsets are limit+1 .. 0xFFFF (B=0) or 0xFFFFFFFF (B=1).
	SETDESC SEL_T1, SCRATCH, 0x0FFF, ACC_DATAD, 0
	mov ax, SEL_T1
	mov fs, ax
	TRY "down b=0 byte at limit"
	AT
	mov al, [fs:0xFFF]
	ENDTRY
	TRY "down b=0 byte at limit+1"
	AT
	mov al, [fs:0x1000]
	ENDTRY
	TRY "down b=0 dword at 1000 straddle"
	AT
	mov eax, [fs:0xFFE]
	ENDTRY
	TRY "down b=0 byte at ffff"
	AT
	mov al, [fs:0xFFFF]
	ENDTRY
	TRY "down b=0 word at ffff"
	AT
	mov ax, [fs:0xFFFF]
	ENDTRY
	TRY "down b=0 byte at 10000"
	AT
	mov al, [fs:0x10000]
	ENDTRY
	SETDESC SEL_T1, SCRATCH, 0x0FFF, ACC_DATAD, FL_D
	mov ax, SEL_T1
	mov fs, ax
	TRY "down b=1 byte at limit"
	AT
	mov al, [fs:0xFFF]
	ENDTRY
	TRY "down b=1 byte at 10000"
	AT
	mov al, [fs:0x10000]
	ENDTRY
	TRY "down b=1 dword at fffffffc"
	mov ebx, 0xFFFFFFFC
	AT
	mov eax, [fs:ebx]
	ENDTRY
	TRY "down b=1 dword at fffffffd"
	mov ebx, 0xFFFFFFFD
	AT
	mov eax, [fs:ebx]
	ENDTRY
	; Page granular expand-down: limit 0x0000F -> 0xFFFF, valid from 0x10000.
	SETDESC SEL_T1, SCRATCH - 0x10000, 0x0000F, ACC_DATAD, FL_D | FL_G
	mov ax, SEL_T1
	mov fs, ax
	TRY "down g=1 byte at ffff"
	AT
	mov al, [fs:0xFFFF]
	ENDTRY
	TRY "down g=1 byte at 10000"
	AT
	mov al, [fs:0x10000]
	ENDTRY
	; Expand-down stack: PUSH below the limit faults with #SS. In ring 3, so that the
	; exception has a stack of its own (TSS.ESP0).
	SETDESC SEL_T2, 0x10000, 0x0FFF, ACC_DATAD | ACC_DPL3, FL_D
	RING3
	mov ax, SEL_T2 | 3
	mov ss, ax
	mov esp, 0x1004
	TRY "down ss push ok"
	AT
	push eax
	ENDTRYQ
	mov ax, SEL_DATA3
	mov ss, ax
	mov esp, STK3_TOP
	call t_report
	mov ax, SEL_T2 | 3
	mov ss, ax
	mov esp, 0x1004
	TRY "down ss 2nd push"
	push eax
	AT
	push eax
	ENDTRYQ
	mov ax, SEL_DATA3
	mov ss, ax
	mov esp, STK3_TOP
	call t_report
	ENDRING3

	;--- Null selectors: loading is fine (not into SS), using is #GP(0).
	TRY "null: mov fs, 0 / mov gs, 3"
	xor eax, eax
	mov fs, ax
	mov ax, 3
	AT
	mov gs, ax
	ENDTRY
	TRY "null: read via fs"
	AT
	mov eax, [fs:SCRATCH]
	ENDTRY
	TRY "null: write via gs"
	AT
	mov [gs:SCRATCH], eax
	ENDTRY
	TRY "null: stosb with es=0"
	mov edi, SCRATCH
	xor eax, eax
	mov es, ax
	AT
	stosb
	ENDTRYQ
	mov ax, SEL_DATA32
	mov es, ax
	call t_report
	TRY "null: lfs 0 ok, then fs lodsb"
	mov dword [SCRATCH + 0x20], SCRATCH
	mov word [SCRATCH + 0x24], 0
	AT
	lfs esi, [SCRATCH + 0x20]
	AT
	fs lodsb
	ENDTRY

	;--- The accessed bit is set by a segment load.
	SETDESC SEL_T1, SCRATCH, 0xFFF, ACC_DATA & ~1, FL_D
	PR "accessed: before="
	PRX 2, [GDT_BASE + SEL_T1 + 5]
	mov ax, SEL_T1
	mov fs, ax
	PR " after="
	movzx eax, byte [GDT_BASE + SEL_T1 + 5]
	PRX 2, eax
	NL

	;--- Far pointer loads.
	mov dword [SCRATCH + 0x20], 0x12345678
	mov word [SCRATCH + 0x24], 0x400
	TRY "lgs bad selector"
	mov ecx, 0xAAAA5555
	AT
	lgs ecx, [SCRATCH + 0x20]
	ENDTRY
	PR "  ecx at fault="
	PRX 8, [x_ecx]
	NL
	mov word [SCRATCH + 0x24], SEL_DATA32
	TRY "lgs good"
	AT
	lgs ebx, [SCRATCH + 0x20]
	ENDTRY
	PR "  ebx="
	PRX 8, ebx
	mov ax, gs
	PR " gs="
	PRX 4, eax
	NL

	;--- The LDT.
	mov edi, LDT_BASE
	mov dword [edi + 0], 0
	mov dword [edi + 4], 0
	mov dword [edi + 8], 0x0000FFFF | ((SCRATCH & 0xFFFF) << 16)
	mov dword [edi + 12], ((SCRATCH >> 16) & 0xFF) | (ACC_DATA << 8) | (FL_D << 20)
	mov dword [edi + 16], 0
	mov dword [edi + 20], 0
	SETDESC SEL_LDT, LDT_BASE, 0x17, 0x82, 0        ; 3 entries
	TRY "ldt: lldt"
	mov ax, SEL_LDT
	AT
	lldt ax
	ENDTRY
	TRY "ldt: mov fs, 0x0c"
	mov ax, 0x0C
	AT
	mov fs, ax
	ENDTRY
	mov eax, [fs:0]
	PR "  [fs:0]="
	PRX 8, eax
	NL
	TRY "ldt: empty entry 0x14"
	mov ax, 0x14
	AT
	mov fs, ax
	ENDTRY
	TRY "ldt: past limit 0x1c"
	mov ax, 0x1F
	AT
	mov fs, ax
	ENDTRY
	TRY "ldt: lldt of a data seg"
	mov ax, SEL_DATA32
	AT
	lldt ax
	ENDTRY
	TRY "ldt: lldt ldt-selector"
	mov ax, 0x0C
	AT
	lldt ax
	ENDTRY
	TRY "ldt: lldt 0, then 0x0c"
	xor eax, eax
	lldt ax
	mov ax, 0x0C
	AT
	mov fs, ax
	ENDTRY

	;--- CS limit: near jump beyond it, running off its end, an instruction across it.
	TRY "cs limit: jmp eax past limit"
	jmp SEL_CODER:ROFF(.r1)
.r1:	mov eax, 0x10000
	AT
	jmp eax
	ENDTRY
	SETDESC SEL_CS1, ROMBASE, ROFF(cs1_mov) - 1, ACC_CODE, FL_D
	TRY "cs limit: run off the end"
	REFAT cs1_nop
	jmp SEL_CS1:ROFF(cs1_nop)
	ENDTRY
	SETDESC SEL_CS1, ROMBASE, ROFF(cs1_mov), ACC_CODE, FL_D
	TRY "cs limit: insn across limit"
	REFAT cs1_mov
	jmp SEL_CS1:ROFF(cs1_mov)
	ENDTRY
	TRY "cs limit: jmp far, offset past limit"
	AT
	jmp SEL_CS1:ROFF(cs1_end)
	ENDTRY
	pushfd
	push dword SEL_CS1
	push dword ROFF(cs1_end)
	TRY "cs limit: iret, offset past limit"
	AT
	iretd
	ENDTRYQ
	add esp, 12
	call t_report

	FINISH "pm_seg"

; A block at the end of SEL_CS1 (whose limit ends at cs1_nop or at cs1_mov).
cs1_nop:
	nop
cs1_mov:
	db 0xB0                 ; mov al, imm8
cs1_end:
	db 0x00
	cli
	hlt

%include "end.inc"
