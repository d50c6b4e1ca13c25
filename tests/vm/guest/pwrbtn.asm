; pwrbtn.asm: a boot sector that waits for the ACPI power button, as an OS's power-button
; handling does, for `vmcp force --shutdown` (tests/vm/cp_test.py): it finds the PIIX4
; power-management function's I/O base (PCI 00:01.3, PMBA at config 0x40, which SeaBIOS
; programs), prints "pwrbtn: waiting", then wakes with each timer tick (STI; HLT) and
; reads PM1_STS (PMBA + 0): once PWRBTN_STS (bit 8) is set it clears it (write 1),
; prints "pwrbtn: pressed" and switches the machine off (S5: SLP_EN, SLP_TYP 0 to
; PM1a_CNT, PMBA + 4).
bits 16
%include "pc.inc"
org 0x7C00
start:
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	COM1_INIT
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

	COM1_PUTS puts

pmba: dw 0
msg_wait: db "pwrbtn: waiting", 13, 10, 0
msg_pressed: db "pwrbtn: pressed", 13, 10, 0
	times 510 - ($ - $$) db 0
	dw 0xAA55
