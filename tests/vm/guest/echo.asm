; echo.asm: a boot sector that is a console for the CP's tests (tests/cp/cpvm_test.sh,
; attach_test.sh): it prints "echo> " on COM1 and the screen, echoes what arrives on
; COM1 (interrupt-driven: IRQ4 fills a ring) or from the keyboard (INT 16h), and at
; Enter prints "got: LINE" and writes the line to its disk at LBA 16 + n (n = 0, 1, ...)
; with INT 13h AH=43h, so a test can export the VD and find exactly the lines this VM
; was sent. Between keys it waits with STI; HLT (an idle guest). Lines it obeys:
;   halt    CLI; HLT: halted with interrupts disabled, for the CP to hold
;   off     ACPI soft power-off (S5 through the PIIX4 PM function's PM1a_CNT)
;   triple  a triple fault (an IDT limit of 0, then INT 3)
bits 16
%include "pc.inc"
org 0x7C00

start:
	BOOT_SEGS
	mov di, 0x7E00                  ; the variables (below) start at zero
	mov cx, 128
	rep stosw
	mov [drive], dl
	mov word [0x0C * 4], com1_irq   ; IRQ4 = INT 0Ch
	mov [0x0C * 4 + 2], ax
	COM1_INIT
	mov dx, 0x3FC                   ; MCR: OUT2 lets the UART's IRQ reach the PIC
	mov al, 0x08
	out dx, al
	mov dx, 0x3F9                   ; IER: received data available
	mov al, 0x01
	out dx, al
	in al, 0x21                     ; unmask IRQ4
	and al, 0xEF
	out 0x21, al
	sti
	mov si, msg_hello
	call puts
prompt:
	mov si, msg_prompt
	call puts
	xor bx, bx
	mov [len], bx
wait_key:
	call getc
	jnc got_key
	sti
	hlt
	jmp wait_key
got_key:
	cmp al, 13
	je enter
	mov bx, [len]
	cmp bx, 60
	jae wait_key
	mov [line + bx], al
	inc word [len]
	call putc
	jmp wait_key

enter:
	mov bx, [len]
	mov byte [line + bx], 0
	mov si, msg_crlf
	call puts
	mov si, msg_got
	call puts
	mov si, line
	call puts
	mov si, msg_crlf
	call puts
	mov si, line
	mov di, cmd_halt
	call streq
	je do_halt
	mov si, line
	mov di, cmd_off
	call streq
	je do_off
	mov si, line
	mov di, cmd_triple
	call streq
	je do_triple
	; The line to LBA 16 + n, the rest of the sector zero.
	mov di, 0x8000
	mov cx, 256
	xor ax, ax
	rep stosw
	mov si, line
	mov di, 0x8000
	mov cx, [len]
	rep movsb
	mov ax, [nlines]
	add ax, 16
	mov [dap_lba], ax
	inc word [nlines]
	mov si, dap
	mov ah, 0x43
	xor al, al
	mov dl, [drive]
	int 0x13
	jnc prompt
	mov si, msg_wfail       ; a failed write: say so and halt
	call puts
do_halt:
	cli
	hlt
	jmp do_halt

do_off:
	mov eax, 0x80000B40         ; PCI 00:01.3, PMBA
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	in eax, dx
	and ax, 0xFFC0
	add ax, 4                   ; PM1a_CNT: SLP_EN with SLP_TYP 0 (S5)
	mov dx, ax
	mov ax, 1 << 13
	out dx, ax
	jmp prompt

do_triple:
	lidt [null_idt]
	int 3

; getc: CF clear and AL = a byte from COM1's ring or the keyboard; CF set when none.
getc:
	cli
	mov bx, [rtail]
	cmp bx, [rhead]
	je .kbd
	mov al, [ring + bx]
	inc bx
	and bx, 63
	mov [rtail], bx
	sti
	clc
	ret
.kbd:
	sti
	mov ah, 0x01
	int 0x16
	jz .none
	mov ah, 0x00
	int 0x16
	clc
	ret
.none:
	stc
	ret

com1_irq:
	push ax
	push bx
	push dx
.more:
	mov dx, 0x3FD
	in al, dx
	test al, 1
	jz .done
	mov dx, 0x3F8
	in al, dx
	mov bx, [cs:rhead]
	mov [cs:ring + bx], al
	inc bx
	and bx, 63
	mov [cs:rhead], bx
	jmp .more
.done:
	mov al, 0x20
	out 0x20, al
	pop dx
	pop bx
	pop ax
	iret

; streq: ZF set when the NUL-terminated strings at SI and DI are equal.
streq:
	lodsb
	cmp al, [di]
	jne .ret
	inc di
	test al, al
	jnz streq
.ret:
	ret

; puts: the NUL-terminated string at DS:SI on the screen and COM1.
puts:
	lodsb
	test al, al
	jz .ret
	call putc
	jmp puts
.ret:
	ret

putc:
	push ax
	push bx
	push dx
	push si
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	mov ah, al
	mov dx, 0x3FD
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, 0x3F8
	out dx, al
	pop si
	pop dx
	pop bx
	pop ax
	ret

msg_hello: db "echo ready", 13, 10, 0
msg_prompt: db "echo> ", 0
msg_got: db "got: ", 0
msg_crlf: db 13, 10, 0
msg_wfail: db "WFAIL", 13, 10, 0
cmd_halt: db "halt", 0
cmd_off: db "off", 0
cmd_triple: db "triple", 0
null_idt: dw 0
	dd 0
dap:	db 16, 0
	dw 1
	dw 0x8000, 0x0000
dap_lba: dq 0

	times 510 - ($ - $$) db 0
	dw 0xAA55

; Variables past the boot sector, zeroed at the start.
absolute 0x7E00
drive: resb 1
len: resw 1
nlines: resw 1
rhead: resw 1
rtail: resw 1
ring: resb 64
line: resb 64
