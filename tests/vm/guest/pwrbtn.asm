; pwrbtn.asm: a boot sector that waits for the ACPI power button, as an OS's power-button
; handling does, for `vmcp force --shutdown` (tests/vm/cp_test.py): it finds the PIIX4
; power-management function's I/O base (PCI 00:01.3, PMBA at config 0x40, which SeaBIOS
; programs), prints "pwrbtn: waiting", then wakes with each timer tick (STI; HLT) and
; reads PM1_STS (PMBA + 0): once PWRBTN_STS (bit 8) is set it clears it (write 1),
; prints "pwrbtn: pressed" and switches the machine off (S5: SLP_EN, SLP_TYP 0 to
; PM1a_CNT, PMBA + 4).
bits 16
org 0x7C00
start:
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	mov dx, 0x3FB               ; COM1: 115200 8N1
	mov al, 0x80
	out dx, al
	mov dx, 0x3F8
	mov al, 1
	out dx, al
	inc dx
	xor al, al
	out dx, al
	mov dx, 0x3FB
	mov al, 0x03
	out dx, al
	mov eax, 0x80000B40         ; bus 0, device 1, function 3, register 0x40
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	in eax, dx
	and ax, 0xFFC0
	mov [pmba], ax
	mov si, msg_wait
	call puts
	sti
.wait:
	hlt
	mov dx, [pmba]
	in ax, dx
	test ax, 1 << 8
	jz .wait
	mov ax, 1 << 8              ; write 1 to clear PWRBTN_STS
	out dx, ax
	mov si, msg_pressed
	call puts
	mov dx, [pmba]
	add dx, 4                   ; PM1a_CNT
	mov ax, 1 << 13             ; SLP_EN, SLP_TYP = 0 (S5)
	out dx, ax
.halt:
	hlt
	jmp .halt

puts:                               ; DS:SI to COM1, polled
	lodsb
	test al, al
	jz .ret
	mov ah, al
	mov dx, 0x3FD
.tx:
	in al, dx
	test al, 0x20
	jz .tx
	mov al, ah
	mov dx, 0x3F8
	out dx, al
	jmp puts
.ret:
	ret

pmba: dw 0
msg_wait: db "pwrbtn: waiting", 13, 10, 0
msg_pressed: db "pwrbtn: pressed", 13, 10, 0
	times 510 - ($ - $$) db 0
	dw 0xAA55
