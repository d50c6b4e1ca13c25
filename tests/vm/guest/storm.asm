; storm.asm: a 64 KiB raw ROM whose processor does nothing but take exceptions: its #UD
; handler is itself an invalid opcode, so each delivery raises the next #UD and no
; instruction ever retires. A real processor spends time on every delivery and its
; timers keep running; tests/vm/storm_test.c checks that VMCP's does too.
;
;   nasm -f bin storm.asm              real mode, interrupts off: UD2 at the reset
;                                      vector's target, vector 6 pointing at the UD2.
;                                      The loop never ends; the run loop must still get
;                                      the CPU back at every deadline.
;   nasm -f bin -DTIMER storm.asm      protected mode, #UD through a trap gate (IF stays
;                                      set), the PIT at 1 kHz on IRQ0 (vector 20h). The
;                                      timer handler counts ticks at 0:500h (POST code
;                                      per tick) and after TICKS of them ends the run
;                                      with CLI; HLT.
bits 16
%include "pc.inc"
org 0
section .text start=0

TICKS equ 5
COUNT equ 0x500
IDT equ 0x1000

start:
	cli
	xor ax, ax
	mov ds, ax
	mov ax, 0x1000          ; the stack away from the vectors: the storm's pushes wrap
	mov ss, ax              ; around within 10000h-1FFFFh
	xor sp, sp
%ifndef TIMER
	mov word [6 * 4], storm
	mov word [6 * 4 + 2], 0xF000
storm:
	ud2
%else
	mov dword [COUNT], 0
	PIC_INIT_IRQ0
	PIT_1KHZ
	; the IDT in RAM: every vector an interrupt gate to an IRET, 6 a trap gate to the
	; storm, 20h an interrupt gate to the timer handler
	xor di, di
	mov es, di
	mov di, IDT
	mov cx, 256
.gate:
	mov eax, 0x00080000 | (0xF0000 + iret32 - $$) & 0xFFFF
	stosd
	mov eax, 0x000F8E00
	stosd
	loop .gate
	mov dword [IDT + 6 * 8], 0x00080000 | ((storm32 - $$) & 0xFFFF)
	mov dword [IDT + 6 * 8 + 4], 0x000F8F00
	mov dword [IDT + 0x20 * 8], 0x00080000 | ((timer32 - $$) & 0xFFFF)
	mov dword [IDT + 0x20 * 8 + 4], 0x000F8E00
	o32 lgdt [cs:gdtr]
	o32 lidt [cs:idtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword 0x08:(0xF0000 + pm32 - $$)

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0xF00000       ; 12 bytes pushed per delivery: room for a million
	sti
storm32:
	ud2
timer32:
	inc dword [COUNT]
	mov al, [COUNT]
	out 0x80, al
	cmp dword [COUNT], TICKS
	jae .done
	mov al, 0x20
	out 0x20, al
	iretd
.done:
	cli
	hlt
	jmp .done
iret32:
	iretd

align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF   ; 08h: code, flat, 32-bit
	dq 0x00CF93000000FFFF   ; 10h: data, flat
gdtr:
	dw 3 * 8 - 1
	dd 0xF0000 + gdt - $$
idtr:
	dw 256 * 8 - 1
	dd IDT
%endif

bits 16
	times 0xFFF0 - ($ - $$) db 0xFF
reset:                          ; F000:FFF0
	jmp 0xF000:start
	times 0x10000 - ($ - $$) db 0xFF
