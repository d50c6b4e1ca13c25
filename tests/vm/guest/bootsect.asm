; bootsect.asm: a two-sector guest for the SeaBIOS boot test (tests/vm/boot_test.sh).
; Sector 0 is the boot sector SeaBIOS loads at 0000:7C00. It prints through INT 10h
; (the VGA text screen) and through COM1 (INT 14h init, then the UART's ports directly),
; reads its own second sector (LBA 1) through INT 13h AH=02h (CHS), prints the text found
; there, writes a known pattern to LBA 100 through INT 13h AH=43h (EDD extended write),
; and prints a final line. The test checks the screen and the serial output and reads
; sector 100 back with `vmcp vd export`. The pattern: bytes i = (i * 7 + 0x5A) & 0xFF,
; with "VMCP-SECTOR-100" at offset 0.
bits 16
%include "pc.inc"
org 0x7C00

start:
	BOOT_SEGS
	sti
	mov [drive], dl

	mov ax, 0x0003          ; 80x25 text, clears the screen
	int 0x10
	mov ah, 0x00            ; INT 14h init COM1: 9600 8N1
	mov al, 0xE3
	xor dx, dx
	int 0x14

	mov si, msg_hello
	call puts

	; Read LBA 1 (cylinder 0, head 0, sector 2) to 0000:7E00.
	mov ax, 0x0201
	mov cx, 0x0002
	xor dh, dh
	mov dl, [drive]
	mov bx, 0x7E00
	int 0x13
	jc fail_read
	mov si, 0x7E00
	call puts

	; Build the pattern at 0000:8000 and write it to LBA 100.
	mov di, 0x8000
	xor cx, cx
.fill:
	mov al, cl
	mov bl, 7
	mul bl
	add al, 0x5A
	stosb
	inc cx
	cmp cx, 512
	jb .fill
	mov si, tag
	mov di, 0x8000
	mov cx, tag_len
	rep movsb
	mov si, dap
	mov ah, 0x43
	xor al, al
	mov dl, [drive]
	int 0x13
	jc fail_write
	mov si, msg_done
	call puts
halt:
	cli
	hlt
	jmp halt

fail_read:
	mov si, msg_rfail
	call puts
	jmp halt
fail_write:
	mov si, msg_wfail
	call puts
	jmp halt

; puts: prints the NUL-terminated string at DS:SI on the screen and on COM1.
puts:
	lodsb
	test al, al
	jz .ret
	push si
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	mov ah, al
	mov dx, 0x3FD           ; COM1 LSR: wait for THRE
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, 0x3F8
	out dx, al
	pop si
	jmp puts
.ret:
	ret

drive: db 0
tag: db "VMCP-SECTOR-100"
tag_len equ $ - tag
dap:    db 16, 0            ; EDD disk address packet
	dw 1                    ; sectors
	dw 0x8000, 0x0000       ; buffer offset, segment
	dq 100                  ; LBA
msg_hello: db "VMCP boot sector running", 13, 10, 0
msg_rfail: db "READ FAILED", 13, 10, 0
msg_wfail: db "WRITE FAILED", 13, 10, 0
msg_done:  db "sector 100 written, DONE", 13, 10, 0

	times 510 - ($ - $$) db 0
	dw 0xAA55

; Sector 1: the text the boot sector reads back.
	db "second sector read through INT 13h", 13, 10, 0
	times 1024 - ($ - $$) db 0
