; debug.asm: the guest the CP's debugging tests watch (tests/vm/break_test.sh,
; gdb_test.sh): a boot sector that SeaBIOS loads at 0000:7C00, which reads its other
; sectors to 0000:7E00 and walks through what the breakpoints, watches, traces, displays
; and STORE look at, with a label at each point (nasm writes them to debug.map, which
; tools/mkimg.sh turns into a System.map for `symbols`):
;   start        the boot sector's first instruction (gdb's break *0x7c00)
;   flagbyte     a byte the real-mode code writes (0x5A: gdb's watch), after_flag
;                the instruction after that write
;   seq16        a known 16-bit instruction sequence (display i)
;   decide_cmp   AL holds [choice] (1): path A prints "PATH A", anything else "PATH B"
;                (store al 2 at a breakpoint here changes the path)
;   step_here    three known instructions (step 3)
;   pm_switch    MOV CR0 that enters protected mode (break mode)
;   seq32        a known 32-bit instruction sequence (display i)
;   paging_on    MOV CR0 that turns 32-bit paging on: linear 0x400000 maps the frame at
;                physical 0x30000, which holds a known text (display l vs display p)
;   watch_write  writes 1234ABCDh over counter (11111111h) (break write)
;   ata_out      OUT 1F7h, ECh: ATA IDENTIFY (break io 1f7, before the access)
;   timer_isr    IRQ0 through a PIC remapped to vectors 20h-2Fh, at 1 kHz (break int 20)
;   marker_done  after "MARKER" went out on COM1 (gdb's last breakpoint)
; and finally "DONE ticks=3" on COM1, then CLI; HLT.
[map symbols debug.map]
bits 16
%include "pc.inc"
org 0x7C00

start:
	BOOT_SEGS
	mov [drive], dl
	mov ax, 0x00E3          ; INT 14h: COM1 at 9600 8N1
	xor dx, dx
	int 0x14
	mov ax, 0x0200 + SECTORS ; read the rest (LBA 1..) to 0000:7E00
	mov cx, 0x0002
	xor dh, dh
	mov dl, [drive]
	mov bx, 0x7E00
	int 0x13
	jc fail
	mov byte [flagbyte], 0x5A
after_flag:
	mov si, msg_start
	call puts
seq16:
	mov ax, 0x1234
	add bx, ax
	push es
	pop ds
	xor cx, cx
	mov al, [choice]
decide_cmp:
	cmp al, 1
	je .a
	mov si, msg_pathb
	jmp .p
.a:	mov si, msg_patha
.p:	call puts
step_here:
	inc cx
	inc cx
	nop
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
pm_switch:
	mov cr0, eax
	jmp 0x08:pm32

fail:
	mov si, msg_fail
	call puts
.h:	cli
	hlt
	jmp .h

	COM1_PUTS puts

drive:	db 0
gdt:	dq 0
	dq 0x00CF9A000000FFFF   ; 08: code, base 0, 4 GiB, 32-bit
	dq 0x00CF92000000FFFF   ; 10: data, base 0, 4 GiB
gdtr:	dw 3 * 8 - 1
	dd gdt
msg_start: db "debug guest start", 13, 10, 0
msg_patha: db "PATH A", 13, 10, 0
msg_pathb: db "PATH B", 13, 10, 0
msg_fail:  db "READ FAILED", 13, 10, 0

	times 510 - ($ - $$) db 0
	dw 0xAA55

; ---- sectors 1.., at 0000:7E00 ----
section rest vstart=0x7E00 follows=.text
bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, 0x7C00
seq32:
	mov eax, 0x12345678
	lea ebx, [eax + ecx * 4 + 0x10]
	push ebx
	pop edx
	xor esi, esi
	; the frame at 0x30000: a known text, then a pattern
	mov edi, 0x30000
	mov esi, frame_text
	mov ecx, frame_len
	rep movsb
	mov ecx, 4096 - frame_len
	mov al, 0xC3
	rep stosb
	; page tables: the directory at 0x20000; table 0 (0x21000) maps 0-4 MiB to itself,
	; table 1 (0x22000) maps linear 0x400000 to the frame at 0x30000
	mov edi, 0x20000
	xor eax, eax
	mov ecx, 3 * 1024
	rep stosd
	mov dword [0x20000], 0x21000 | 3
	mov dword [0x20004], 0x22000 | 3
	mov edi, 0x21000
	mov eax, 3
.pt:	stosd
	add eax, 0x1000
	cmp edi, 0x22000
	jb .pt
	mov dword [0x22000], 0x30000 | 3
	mov eax, 0x20000
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
paging_on:
	mov cr0, eax
	jmp .flush
.flush:
watch_write:
	mov dword [counter], 0x1234ABCD
after_write:
	mov dx, 0x1F7
	mov al, 0xEC
ata_out:
	out dx, al
	; the PIC remapped to 20h-2Fh, IRQ0 alone unmasked; the PIT at 1 kHz
	lidt [idtr]
	mov eax, timer_isr
	mov [idt + 0x20 * 8], ax
	shr eax, 16
	mov [idt + 0x20 * 8 + 6], ax
	mov word [idt + 0x20 * 8 + 2], 0x08
	mov byte [idt + 0x20 * 8 + 5], 0x8E
	PIC_INIT_IRQ0
	PIT_1KHZ
	sti
.w:	hlt
	cmp dword [ticks], 3
	jb .w
	cli
	mov esi, msg_marker
	call puts32
marker_done:
	mov esi, msg_done
	call puts32
.h:	cli
	hlt
	jmp .h

timer_isr:
	push eax
	inc dword [ticks]
	mov al, 0x20
	out 0x20, al
	pop eax
	iretd

	COM1_PUTS puts32

align 4
flagbyte: db 0
choice:	db 1
	align 4
counter: dd 0x11111111
ticks:	dd 0
idtr:	dw 0x21 * 8 - 1
	dd idt
msg_marker: db "MARKER", 13, 10, 0
msg_done: db "DONE ticks=3", 13, 10, 0
frame_text: db "frame at physical 30000h, mapped at linear 400000h"
frame_len equ $ - frame_text
	align 8
idt:	times 0x21 dq 0
	; vector 20h gets a 32-bit interrupt gate to 08:timer_isr (filled in above)
	align 512
end_rest:
SECTORS equ (end_rest - pm32) / 512
