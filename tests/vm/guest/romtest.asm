; romtest.asm: a 64 KiB raw ROM for `vmcp ipl --bios` (tests/vm/rom_test.sh). From the
; reset vector it writes POST codes to port 80h, a line to the debug port E9h, text into
; the VGA text buffer at B8000h (the CP presets text mode 3 for raw ROMs), and ends
; with HLT with interrupts disabled, which ends the run.
bits 16
org 0
section .text start=0

start:
	cli
	mov al, 0x01
	out 0x80, al
	mov ax, cs
	mov ds, ax
	mov si, hello
.e9:
	lodsb
	test al, al
	jz .screen
	out 0xE9, al
	jmp .e9
.screen:
	mov al, 0x02
	out 0x80, al
	mov ax, 0xB800
	mov es, ax
	xor di, di
	mov si, screen_text
	mov ah, 0x1F                ; white on blue
.s:
	lodsb
	test al, al
	jz .done
	stosw
	jmp .s
.done:
	mov al, 0x55
	out 0x80, al
	mov al, 0xAA
	out 0x80, al
.halt:
	hlt
	jmp .halt

hello: db "romtest: running from the reset vector", 10, 0
screen_text: db "ROMTEST SCREEN OK", 0

	times 0xFFF0 - ($ - $$) db 0xFF
reset:                          ; F000:FFF0
	jmp 0xF000:start
	times 0x10000 - ($ - $$) db 0xFF
