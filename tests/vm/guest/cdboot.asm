; cdboot.asm: the El Torito boot image of the CD-ROM test (tests/vm/cdrom_test.sh), in
; no-emulation mode: SeaBIOS loads its four 512-byte sectors at 0000:7C00 and jumps
; there with DL = the CD's BIOS drive number. It prints through COM1 (and INT 10h):
;   - the drive number, and the sector size INT 13h AH=48h reports for it;
;   - through INT 13h AH=42h (EDD extended read, 2048-byte sectors): the primary volume
;     descriptor at LBA 16 ("CD001" and the volume id), then the root directory, in
;     which it finds HELLO.TXT and prints the file's first line;
; then it locks the tray (PREVENT MEDIUM REMOVAL) and talks to the drive itself, the
; ATAPI way (secondary master, ports 170h-177h/376h, PIO, polled with nIEN set): at
; every timer tick a TEST UNIT READY, printing each change of the drive's state: NOT
; READY with its sense (no disc), and UNIT ATTENTION with its sense and the capacity
; READ CAPACITY then reports (a new disc). It never ends; the test ends the VM.
bits 16
org 0x7C00

start:
	cli
	push cs
	pop ds
	push cs
	pop es
	xor ax, ax
	mov ss, ax
	mov sp, 0x7000
	sti
	mov [drive], dl
	mov ah, 0x00            ; INT 14h init COM1: 9600 8N1
	mov al, 0xE3
	xor dx, dx
	int 0x14

	mov si, msg_hello
	call puts
	mov al, [drive]
	call puthex8
	call crlf

	; Drive parameters: bytes per sector at offset 18h of the result buffer.
	mov word [params], 0x1A
	mov ah, 0x48
	mov dl, [drive]
	mov si, params
	int 0x13
	jc fail
	mov si, msg_sector
	call puts
	mov ax, [params + 0x18]
	call puthex16
	call crlf

	; The primary volume descriptor.
	mov dword [dap_lba], 16
	call read_block
	cmp dword [buf + 1], 'CD00'
	jne fail
	mov si, msg_pvd
	call puts
	mov si, buf + 40        ; volume identifier, 32 characters, blank-padded
	mov cx, 32
	call putn
	call crlf

	; The root directory (its extent: the root record at offset 156, LBA at +2).
	mov eax, [buf + 156 + 2]
	mov [dap_lba], eax
	call read_block
	mov bx, buf
.rec:
	movzx cx, byte [bx]     ; record length; 0 ends the records of this block
	test cx, cx
	jz fail
	cmp byte [bx + 32], 11  ; "HELLO.TXT;1"
	jne .next
	cmp dword [bx + 33], 'HELL'
	jne .next
	cmp dword [bx + 37], 'O.TX'
	je .found
.next:
	add bx, cx
	cmp bx, buf + 2048
	jb .rec
	jmp fail
.found:
	mov eax, [bx + 2]
	mov [dap_lba], eax
	call read_block
	mov si, msg_file
	call puts
	mov si, buf
	call putline
	call crlf
	mov si, msg_done
	call puts

	; Lock the tray, then watch the drive.
	mov si, pkt_lock
	call atapi
	mov byte [state], 0     ; 0 ready, 1 not ready
watch:
	sti
	hlt                     ; until the next timer tick
	mov si, pkt_tur
	call atapi
	test al, 0x01
	jz .ready
	cmp ah, 0x60            ; sense key 6: UNIT ATTENTION
	je .attention
	cmp byte [state], 1
	je watch
	mov byte [state], 1
	push ax
	mov si, msg_notready
	call puts
	pop ax
	mov al, ah
	call puthex8
	call sense
	jmp watch
.ready:
	mov byte [state], 0
	jmp watch
.attention:
	mov si, msg_attention
	call puts
	mov al, ah
	call puthex8
	call sense
	mov si, pkt_capacity
	call atapi
	test al, 0x01
	jnz watch
	mov si, msg_capacity
	call puts
	mov eax, [buf]          ; the last block, big-endian
	bswap eax
	inc eax
	call puthex32
	call crlf
	mov byte [state], 0
	jmp watch

fail:
	mov si, msg_fail
	call puts
.halt:
	sti
	hlt
	jmp .halt

; sense: REQUEST SENSE; prints " asc XX" and a new line.
sense:
	mov si, pkt_sense
	call atapi
	mov si, msg_asc
	call puts
	mov al, [buf + 12]
	call puthex8
	jmp crlf

; read_block: one 2048-byte block at [dap_lba] into buf (INT 13h AH=42h).
read_block:
	mov word [dap_seg], ds
	mov si, dap
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	jc fail
	ret

; atapi: the PACKET command whose 12 bytes are at DS:SI to the secondary master, its
; data-in (up to 2048 bytes) into buf. Returns AL = status, AH = error register.
atapi:
	mov dx, 0x376
	mov al, 0x02            ; nIEN: polled
	out dx, al
	mov dx, 0x176
	mov al, 0xA0            ; device 0
	out dx, al
	call wait_ready
	mov dx, 0x171
	xor al, al              ; PIO
	out dx, al
	mov dx, 0x174           ; byte count limit 2048
	out dx, al
	mov dx, 0x175
	mov al, 0x08
	out dx, al
	mov dx, 0x177
	mov al, 0xA0
	out dx, al
	call wait_ready
	test al, 0x08
	jz .end
	mov dx, 0x170
	mov cx, 6
	rep outsw
	mov di, buf
.data:
	call wait_ready
	test al, 0x08           ; DRQ: a data block, its byte count in LBA mid/high
	jz .end
	mov dx, 0x174
	in al, dx
	mov cl, al
	mov dx, 0x175
	in al, dx
	mov ch, al
	inc cx
	shr cx, 1
	mov dx, 0x170
	rep insw
	jmp .data
.end:
	mov dx, 0x171
	in al, dx
	mov ah, al
	mov dx, 0x177
	in al, dx
	ret

wait_ready:
	mov dx, 0x376
.w:
	in al, dx
	test al, 0x80
	jnz .w
	ret

; puts: the NUL-terminated string at DS:SI; putn: CX characters at DS:SI, trailing
; blanks left out; putline: up to the first control character.
puts:
	lodsb
	test al, al
	jz .ret
	call putc
	jmp puts
.ret:
	ret
putn:
	mov bx, si
	add bx, cx
.trim:
	cmp bx, si
	je .ret
	cmp byte [bx - 1], ' '
	jne .out
	dec bx
	jmp .trim
.out:
	lodsb
	call putc
	cmp si, bx
	jb .out
.ret:
	ret
putline:
	lodsb
	cmp al, ' '
	jb .ret
	call putc
	jmp putline
.ret:
	ret
crlf:
	mov al, 13
	call putc
	mov al, 10
	jmp putc

puthex32:
	push eax
	shr eax, 16
	call puthex16
	pop eax
puthex16:
	push ax
	mov al, ah
	call puthex8
	pop ax
puthex8:
	push ax
	shr al, 4
	call .digit
	pop ax
.digit:
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe putc
	add al, 'a' - '9' - 1
; putc: AL on the screen (INT 10h) and on COM1 (the UART's ports directly).
putc:
	push ax
	push bx
	push dx
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	mov bl, al
	mov dx, 0x3FD           ; COM1 LSR: wait for THRE
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, bl
	mov dx, 0x3F8
	out dx, al
	pop dx
	pop bx
	pop ax
	ret

drive:  db 0
state:  db 0
dap:    db 16, 0            ; EDD disk address packet
	dw 1                    ; blocks
	dw buf                  ; buffer offset
dap_seg: dw 0               ; and segment (ours)
dap_lba: dq 0
pkt_tur:      db 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_sense:    db 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
pkt_capacity: db 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_lock:     db 0x1E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
msg_hello:     db "vmcp-cdboot: running from drive ", 0
msg_sector:    db "vmcp-cdboot: bytes per sector ", 0
msg_pvd:       db "vmcp-cdboot: CD001 volume ", 0
msg_file:      db "vmcp-cdboot: HELLO.TXT says ", 0
msg_done:      db "vmcp-cdboot: watching the drive", 13, 10, 0
msg_notready:  db "vmcp-cdboot: not ready, sense key ", 0
msg_attention: db "vmcp-cdboot: unit attention, sense key ", 0
msg_asc:       db " asc ", 0
msg_capacity:  db "vmcp-cdboot: capacity ", 0
msg_fail:      db "vmcp-cdboot: FAILED", 13, 10, 0
params: times 0x1A db 0

	times 2048 - ($ - $$) db 0
buf:
