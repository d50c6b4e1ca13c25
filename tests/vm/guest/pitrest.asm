; pitrest.asm: a 64 KiB raw ROM that sets the 8254's counter 0 going at very high rates
; and looks at IRQ0 from every side while interrupts are off, on, masked, polled and the
; 8259A reinitialised. tests/vm/pitrest_test.c runs it with the PIT resting while its
; edges can change nothing (src/dev/pit.c) and with it driving every edge, and checks that
; the guest sees the same in both.
;
; Log (bytes from 0:0600h, the next free byte's offset at 0:05FCh): per snapshot the IRR,
; the ISR, counter 0 latched (LSB, MSB) and its read-back status byte (bit 7 OUT); after
; each window with interrupts on, the tick count (IRQ0 handler runs) and how many times
; the handler found the next request latched in the IRR before its EOI (low bytes); the
; poll words. The ROM ends with POST code FFh and CLI; HLT.
bits 16
%include "pc.inc"
org 0
section .text start=0

COUNT equ 0x5F8
SEEN equ 0x5F4
NEXT equ 0x5FC
LOG equ 0x600

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [0x20 * 4], tick
	mov word [0x20 * 4 + 2], 0xF000
	mov dword [COUNT], 0
	mov dword [SEEN], 0
	mov di, LOG
	PIC_INIT_IRQ0
	; counter 0, mode 2 (rate generator), count 2: an edge every 1.7 us
	mov al, 0x34
	out 0x43, al
	mov al, 2
	out 0x40, al
	xor al, al
	out 0x40, al
	call spin               ; interrupts off: the request waits in the IRR
	call snap
	call take8              ; the first at once
	call log_count
	call snap
	; ICW1 while OUT0 toggles: the IRR forgets the edge, the next one latches again.
	; The master in automatic EOI mode from here: an INTA (or a poll) leaves nothing in
	; service, so a poll sees the next request without a write in between
	mov al, 0x11
	out 0x20, al
	mov al, 0x20
	out 0x21, al
	mov al, 4
	out 0x21, al
	mov al, 3               ; ICW4: 8086 mode, automatic EOI
	out 0x21, al
	mov al, 0xFE
	out 0x21, al
	call snap
	call spin
	call snap
	; polled: the poll word acts as an INTA on the master. The read comes a while after
	; the poll command, and the next poll finds the next request
	mov al, 0x0C
	out 0x20, al
	call spin
	in al, 0x20
	stosb
	call spin
	mov al, 0x0C
	out 0x20, al
	in al, 0x20
	stosb
	call snap
	; mode 3 (square wave), an odd count
	mov al, 0x36
	out 0x43, al
	mov al, 5
	out 0x40, al
	xor al, al
	out 0x40, al
	call spin
	call snap
	call take8
	call log_count
	; IRQ0 masked in the IMR with interrupts on: nothing taken; unmasked: taken at once
	mov al, 0xFF
	out 0x21, al
	sti
	call spin
	call log_count
	call snap
	mov al, 0xFE
	out 0x21, al
	nop
	nop
	cli
	call log_count
	call snap
	; an ELCR write (IRQ0 stays edge-triggered: the master's ELCR bits 0-2 are fixed)
	mov dx, 0x4D0
	mov al, 0xFF
	out dx, al
	call spin
	call snap
	; mode 0, count 3: one edge, then OUT0 stays high
	mov al, 0x30
	out 0x43, al
	mov al, 3
	out 0x40, al
	xor al, al
	out 0x40, al
	call spin
	call snap
	sti                     ; the one request, taken after the NOP
	nop
	cli
	call log_count
	mov [NEXT], di
	mov al, 0xFF
	out 0x80, al
.done:
	cli
	hlt
	jmp .done

tick:                           ; IRQ0: count it; after ~2 us in service (longer than a
	push bp                 ; count-2 period) see whether the next request has latched
	mov bp, sp              ; (the IRR is the register selected: reading it changes
	push ax                 ; nothing); return with interrupts off
	push cx
	inc dword [COUNT]
	mov cx, 200
.wait:
	loop .wait
	in al, 0x20
	and al, 1
	add [SEEN], al
	mov al, 0x20
	out 0x20, al
	and word [bp + 6], ~0x200
	pop cx
	pop ax
	pop bp
	iret

take8:                          ; eight interrupts, one at a time
	mov cx, 8
.l:
	sti
	hlt
	loop .l
	ret

log_count:
	mov al, [COUNT]
	stosb
	mov al, [SEEN]
	stosb
	ret

snap:
	mov al, 0x0A            ; OCW3: read the IRR
	out 0x20, al
	in al, 0x20
	stosb
	mov al, 0x0B            ; read the ISR
	out 0x20, al
	in al, 0x20
	stosb
	mov al, 0x0A
	out 0x20, al
	xor al, al              ; latch counter 0
	out 0x43, al
	in al, 0x40
	stosb
	in al, 0x40
	stosb
	mov al, 0xE2            ; read-back: counter 0's status
	out 0x43, al
	in al, 0x40
	stosb
	ret

spin:                           ; about 200,000 instructions
	mov ecx, 100000
.l:
	dec ecx
	jnz .l
	ret

	times 0xFFF0 - ($ - $$) db 0xFF
reset:                          ; F000:FFF0
	jmp 0xF000:start
	times 0x10000 - ($ - $$) db 0xFF
