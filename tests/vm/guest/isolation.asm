; isolation.asm: a 64 KiB raw ROM (`vmcp ipl --bios`) that attacks its own disks: a seeded
; random stream of ATA, floppy and DMA operations on every controller of the PC, as a
; careless or hostile guest might issue them (tests/vm/isolation_test.sh runs it on several
; VMs at once and checks that no byte of the real disk outside each VM's VDs changed).
;
; Each operation is one of:
;   - ATA PIO READ/WRITE SECTORS (28-bit) or READ/WRITE SECTORS EXT (48-bit), on either
;     channel and drive (present or not), with an LBA inside the VD, just past its end, or
;     anywhere in 28 or 48 bits, and any count (0 = 256 or 65536); the data phase moves
;     whole sectors or stops part-way;
;   - ATA READ/WRITE DMA (EXT) through the PIIX3 bus master with a PRD table of 1-4
;     entries at random addresses (anywhere in 4 GiB above the ROM's own 64 KiB of RAM)
;     and random even byte counts;
;   - any ATA command byte with random registers, a software reset, a stray data read;
;   - a floppy READ DATA / WRITE DATA on fda through 8237 channel 2 at a random 24-bit
;     address and count, with a random cylinder, head, sector, size and EOT; seeks,
;     recalibrates, controller resets, SENSE INTERRUPT;
;   - a random byte to a random register of the IDE, bus-master, FDC or 8237 blocks.
; Every wait is a bounded poll. At the end it writes one line of counters to the debug
; port E9h and halts with interrupts off (which ends the run).
;
;   nasm -f bin -DSEED=n -DOPS=n -DVDSECT=n isolation.asm
; VDSECT: the sectors of the VM's hda (the "inside" of its LBA choices).
bits 16
org 0
section .text start=0

%ifndef SEED
%define SEED 1
%endif
%ifndef OPS
%define OPS 2000
%endif
%ifndef VDSECT
%define VDSECT 2048
%endif

RNG    equ 0x500
LEFT   equ 0x504
BASE   equ 0x508        ; word: command block of the chosen channel
CTL    equ 0x50A        ; word: its control port
BMB    equ 0x50C        ; word: its bus-master block
DRV    equ 0x50E        ; byte: 0 master, 1 slave
N_OK   equ 0x510        ; ATA sectors moved by PIO
N_ERR  equ 0x514        ; ATA commands that ended with ERR
N_DMA  equ 0x518        ; bus-master transfers that ended (interrupt or not active)
N_FDC  equ 0x51C        ; floppy commands that reached their result phase
N_FERR equ 0x520        ; ... of which with an abnormal termination (ST0 bits 7-6)
SUM    equ 0x524        ; a checksum of every status and first data word read
TMP    equ 0x528
PRD    equ 0x8000       ; the PRD table
BUF    equ 0x1000       ; segment of the 64 KiB data buffer (10000h-1FFFFh)
BM     equ 0xC000       ; BAR4 as a BIOS would set it

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	mov dword [RNG], SEED
	mov dword [LEFT], OPS
	xor eax, eax
	mov di, N_OK
	mov es, ax
	mov cx, 8
	rep stosd
	; PIIX3 IDE (00:01.1): BAR4, both channels decoded, I/O and bus master on
	mov eax, 0x80000920
	mov ebx, BM | 1
	call pci_write
	mov eax, 0x80000940
	mov ebx, 0x80008000
	call pci_write
	mov eax, 0x80000904
	mov ebx, 0x00000005
	call pci_write
	; the buffer: a pattern naming the seed
	mov ax, BUF
	mov es, ax
	xor di, di
	mov eax, SEED
	mov cx, 0x4000
.fill:
	stosd
	add eax, 0x9E3779B9
	loop .fill

.loop:
	call rand
	shr eax, 8
	xor edx, edx
	mov ecx, 16
	div ecx
	cmp dl, 5
	jb .pio
	cmp dl, 9
	jb .dma
	cmp dl, 10
	jb .anycmd
	cmp dl, 14
	jb .fdc
	call chaos
	jmp .next
.pio:
	call ata_pio
	jmp .next
.dma:
	call ata_dma
	jmp .next
.anycmd:
	call ata_any
	jmp .next
.fdc:
	call fdc_op
.next:
	dec dword [LEFT]
	jnz .loop

	mov si, msg_seed
	call puts
	mov eax, SEED
	call puthex
	mov si, msg_ok
	call puts
	mov eax, [N_OK]
	call puthex
	mov si, msg_err
	call puts
	mov eax, [N_ERR]
	call puthex
	mov si, msg_dma
	call puts
	mov eax, [N_DMA]
	call puthex
	mov si, msg_fdc
	call puts
	mov eax, [N_FDC]
	call puthex
	mov si, msg_ferr
	call puts
	mov eax, [N_FERR]
	call puthex
	mov si, msg_sum
	call puts
	mov eax, [SUM]
	call puthex
	mov si, msg_end
	call puts
.halt:
	cli
	hlt
	jmp .halt

; ---- helpers ----------------------------------------------------------------------

; rand: EAX = the next xorshift32 value (EDX clobbered)
rand:
	mov eax, [RNG]
	mov edx, eax
	shl edx, 13
	xor eax, edx
	mov edx, eax
	shr edx, 17
	xor eax, edx
	mov edx, eax
	shl edx, 5
	xor eax, edx
	mov [RNG], eax
	ret

; randn: EAX = rand % ECX (EDX clobbered)
randn:
	call rand
	xor edx, edx
	div ecx
	mov eax, edx
	ret

; mix: folds EAX into the checksum
mix:
	rol dword [SUM], 5
	xor [SUM], eax
	ret

; pci_write: configuration dword EBX to address EAX
pci_write:
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	mov eax, ebx
	out dx, eax
	ret

; chan: picks a channel and drive at random, selects the drive
chan:
	call rand
	test al, 1
	jnz .sec
	mov word [BASE], 0x1F0
	mov word [CTL], 0x3F6
	mov word [BMB], BM
	jmp .drv
.sec:
	mov word [BASE], 0x170
	mov word [CTL], 0x376
	mov word [BMB], BM + 8
.drv:
	; mostly the master (hda, hdc); the slaves are absent
	xor bl, bl
	test al, 0x0E
	jnz .set
	mov bl, 1
.set:
	mov [DRV], bl
	ret

; ata_wait: polls the status register while BSY (bounded); AL = status
ata_wait:
	mov ecx, 200000
	mov dx, [BASE]
	add dx, 7
.p:
	in al, dx
	test al, 0x80
	jz .done
	dec ecx
	jnz .p
.done:
	ret

; ata_regs: count, LBA and device registers for a random transfer; CF set: a 48-bit
; command (the caller picks the opcode)
ata_regs:
	; the LBA: inside the VD, across its end, anywhere in 28 bits, anywhere in 48
	call rand
	mov [TMP], eax
	and eax, 3
	jz .inside
	cmp al, 1
	je .edge
	cmp al, 2
	je .any28
	jmp .any48
.inside:
	mov ecx, VDSECT
	call randn
	mov ebx, eax
	jmp .r28
.edge:
	mov ecx, 16
	call randn
	lea ebx, [eax + VDSECT - 8]
	jmp .r28
.any28:
	call rand
	and eax, 0x0FFFFFFF
	mov ebx, eax
.r28:
	; the count: mostly small, sometimes 0 (256) or anything
	call rand
	test ah, 3
	jnz .small
	movzx cx, al
	jmp .cnt
.small:
	and al, 7
	movzx cx, al
.cnt:
	mov dx, [BASE]
	add dx, 2
	mov al, cl
	out dx, al
	inc dx
	mov eax, ebx
	out dx, al              ; LBA 7:0
	inc dx
	shr eax, 8
	out dx, al              ; LBA 15:8
	inc dx
	shr eax, 8
	out dx, al              ; LBA 23:16
	inc dx
	shr eax, 8
	and al, 0x0F
	or al, 0xE0
	mov ah, [DRV]
	shl ah, 4
	or al, ah
	out dx, al              ; device: LBA, drive, LBA 27:24
	clc
	ret
.any48:
	mov dx, [BASE]
	add dx, 2
	call rand
	test ah, 1
	jnz .c48
	xor al, al              ; the high count byte mostly 0
.c48:
	out dx, al              ; count 15:8
	call rand
	mov bx, ax
	inc dx
	shr eax, 16
	out dx, al              ; LBA 31:24
	inc dx
	mov al, bl
	out dx, al              ; LBA 39:32
	inc dx
	mov al, bh
	and al, [TMP + 1]       ; LBA 47:40: often 0
	out dx, al
	mov dx, [BASE]
	add dx, 2
	call rand
	and al, 0x0F
	out dx, al              ; count 7:0
	call rand
	inc dx
	out dx, al              ; LBA 7:0
	inc dx
	mov al, ah
	out dx, al              ; LBA 15:8
	inc dx
	shr eax, 16
	out dx, al              ; LBA 23:16
	inc dx
	mov al, [DRV]
	shl al, 4
	or al, 0x40
	out dx, al              ; device: LBA, drive
	stc
	ret

; ata_cmd: command AL to the selected channel
ata_cmd:
	mov dx, [BASE]
	add dx, 7
	out dx, al
	ret

; ata_pio: a PIO read or write with a random data phase
ata_pio:
	call chan
	call ata_regs
	mov bl, 0
	adc bl, 0               ; BL = 1: 48-bit
	call rand
	mov bh, al
	and bh, 1               ; BH = 1: write
	mov al, 0x20
	test bh, bh
	jz .r
	mov al, 0x30
.r:
	test bl, bl
	jz .c
	add al, 4               ; READ/WRITE SECTORS EXT (24h/34h)
.c:
	call ata_cmd
	mov si, 300             ; at most this many sectors per command
.sector:
	call ata_wait
	movzx eax, al
	call mix
	test al, 0x01
	jnz .err
	test al, 0x08
	jz .out
	; a whole sector, or sometimes part of one
	mov cx, 256
	call rand
	test al, 0x3F
	jnz .n
	mov cl, ah
	movzx cx, cl
.n:
	mov dx, [BASE]
	push es
	push di
	mov ax, BUF
	mov es, ax
	xor di, di
	test bh, bh
	jnz .w
	rep insw
	mov eax, [es:0]
	call mix
	jmp .moved
.w:
	push si
	push ds
	push es
	pop ds
	xor si, si
	rep outsw
	pop ds
	pop si
.moved:
	pop di
	pop es
	inc dword [N_OK]
	dec si
	jnz .sector
	ret
.err:
	inc dword [N_ERR]
	mov dx, [BASE]
	inc dx
	in al, dx               ; the error register
	movzx eax, al
	call mix
.out:
	ret

; ata_dma: READ/WRITE DMA (EXT) through a random PRD table
ata_dma:
	call chan
	; the table: 1-4 entries, most in the buffer, some anywhere above 64 KiB
	mov ecx, 4
	call randn
	inc ax
	shl ax, 3
	mov si, ax              ; the table's length in bytes
	xor di, di
.prd:
	call rand
	test al, 3
	jz .far
	and eax, 0xFFFE
	add eax, 0x10000
	jmp .addr
.far:
	call rand
	and al, 0xFE
	cmp eax, 0x10000
	jae .addr
	add eax, 0x10000        ; never the ROM's own variables and stack
.addr:
	mov [PRD + di], eax
	call rand
	and eax, 0xFFFE         ; a byte count (0: 64 KiB)
	mov [PRD + di + 4], eax
	add di, 8
	cmp di, si
	jb .prd
	or dword [PRD + di - 4], 0x80000000 ; end of table
.table:
	mov dx, [BMB]
	xor al, al
	out dx, al              ; stop
	add dx, 2
	mov al, 0x06
	out dx, al              ; clear interrupt and error
	add dx, 2
	mov eax, PRD
	out dx, eax
	call ata_regs
	mov bl, 0
	adc bl, 0
	call rand
	mov bh, al
	and bh, 1               ; BH = 1: write to the disk
	mov al, 0xC8            ; READ DMA
	test bh, bh
	jz .r
	mov al, 0xCA            ; WRITE DMA
.r:
	test bl, bl
	jz .c
	mov al, 0x25            ; READ DMA EXT
	test bh, bh
	jz .c
	mov al, 0x35            ; WRITE DMA EXT
.c:
	call ata_cmd
	mov dx, [BMB]
	mov al, 0x09            ; start, the device writes memory
	test bh, bh
	jz .go
	mov al, 0x01            ; start, the device reads memory
.go:
	out dx, al
	mov ecx, 400000
	add dx, 2
.poll:
	in al, dx
	test al, 0x04           ; interrupt
	jnz .done
	test al, 0x01           ; still active?
	jz .done
	dec ecx
	jnz .poll
.done:
	movzx eax, al
	call mix
	inc dword [N_DMA]
	mov dx, [BMB]
	xor al, al
	out dx, al              ; stop
	mov dx, [BASE]
	add dx, 7
	in al, dx               ; the status (and the interrupt acknowledged)
	movzx eax, al
	call mix
	test al, 1
	jz .ok
	inc dword [N_ERR]
.ok:
	ret

; ata_any: any command byte with random registers, a reset, or a stray data read
ata_any:
	call chan
	call rand
	test al, 7
	jnz .cmd
	; software reset of the channel
	mov dx, [CTL]
	mov al, 0x04
	out dx, al
	xor al, al
	out dx, al
	jmp ata_wait
.cmd:
	test al, 8
	jnz .regs
	call ata_regs
.regs:
	mov dx, [BASE]
	inc dx
	call rand
	out dx, al              ; features
	call rand
	call ata_cmd
	call ata_wait
	movzx eax, al
	call mix
	test al, 0x08
	jz .end
	; data to take (IDENTIFY and the like): read it
	mov dx, [BASE]
	mov cx, 256
.rd:
	in ax, dx
	loop .rd
	movzx eax, ax
	call mix
.end:
	ret

; fdc_out: AL to the FIFO when the controller wants a byte (bounded); CF set: it did not
fdc_out:
	mov ah, al
	mov ecx, 20000
	mov dx, 0x3F4
.p:
	in al, dx
	and al, 0xC0
	cmp al, 0x80
	je .put
	dec ecx
	jnz .p
	stc
	ret
.put:
	inc dx
	mov al, ah
	out dx, al
	clc
	ret

; fdc_result: reads the result bytes while the controller offers them (bounded, at
; most 10); AL = the first (ST0), or FFh if none
fdc_result:
	mov bl, 0xFF
	mov bh, 10
	mov esi, 2000000        ; a transfer takes virtual time: poll long enough
	mov dx, 0x3F4
.p:
	in al, dx
	and al, 0xD0
	cmp al, 0xD0            ; RQM, DIO, busy: a result byte
	je .byte
	test al, 0x10
	jz .end                 ; not busy: the phase is over
	dec esi
	jnz .p
	jmp .end
.byte:
	inc dx
	in al, dx
	dec dx
	cmp bl, 0xFF
	jne .more
	mov bl, al
.more:
	movzx eax, al
	call mix
	dec bh
	jnz .p
.end:
	mov al, bl
	ret

; fdc_op: a floppy operation on fda
fdc_op:
	mov dx, 0x3F2
	mov al, 0x1C            ; motor A on, DMA and interrupts, not in reset, drive 0
	out dx, al
	call rand
	test al, 0x0F
	jnz .noreset
	mov al, 0x08
	out dx, al              ; reset
	mov al, 0x1C
	out dx, al
	mov cx, 4
.sense:
	push cx
	mov al, 0x08            ; SENSE INTERRUPT STATUS, once per drive
	call fdc_out
	call fdc_result
	pop cx
	loop .sense
	mov al, 0x03            ; SPECIFY
	call fdc_out
	mov al, 0xDF
	call fdc_out
	mov al, 0x02
	call fdc_out
.noreset:
	call rand
	mov dx, 0x3F7
	test al, 0x0C
	jnz .rate
	and al, 3               ; sometimes a data rate the medium does not have
	out dx, al
	jmp .rated
.rate:
	xor al, al              ; 500 kb/s: the 1.44M's
	out dx, al
.rated:
	; the target: cylinder, head, first sector, size code, last sector
	call rand
	mov [TMP], eax
	mov ecx, 84
	call randn
	mov [TMP + 4], al       ; C: 80 cylinders, some past the end
	call rand
	and al, 1
	mov [TMP + 5], al       ; H
	mov ecx, 20
	call randn
	inc al
	mov [TMP + 6], al       ; R: 1-20 (19 and 20 do not exist)
	test byte [TMP], 0x30
	jz .recal
	; seek there (usually), then SENSE INTERRUPT
	mov al, 0x0F
	call fdc_out
	mov al, [TMP + 5]
	shl al, 2
	call fdc_out
	mov al, [TMP + 4]
	call fdc_out
	jmp .senseone
.recal:
	mov al, 0x07
	call fdc_out
	xor al, al
	call fdc_out
	test byte [TMP], 0x80
	jz .senseone
	mov byte [TMP + 4], 0   ; (usually) a transfer on cylinder 0, where the head went
.senseone:
	mov ecx, 100000
.wait:
	loop .wait              ; the head moves in virtual time
	mov al, 0x08
	call fdc_out
	call fdc_result
	test byte [TMP], 0x40
	jnz .xfer
	ret
.xfer:
	; 8237 channel 2: a random 24-bit address above 64 KiB and a random count
	call rand
	mov bh, al
	and bh, 1               ; BH = 1: write to the disk
	xor al, al
	out 0x08, al            ; the 8237 enabled (a chaos write may have turned it off)
	out 0xD0, al            ; and the second, through whose channel 4 the first one
	mov al, 0xC0            ; reaches the bus: cascade mode, unmasked (what a BIOS's
	out 0xD6, al            ; POST sets up)
	xor al, al
	out 0xD4, al
	mov al, 0x06
	out 0x0A, al            ; mask channel 2
	out 0x0C, al            ; the flip-flop
	mov al, 0x46            ; single, memory write (disk to memory), channel 2
	test bh, bh
	jz .mode
	mov al, 0x4A            ; single, memory read (memory to disk)
.mode:
	out 0x0B, al
	call rand
	out 0x04, al
	mov al, ah
	out 0x04, al
	shr eax, 16
	test al, al
	jnz .page
	inc al                  ; page 0 holds the variables and the stack
.page:
	out 0x81, al
	call rand
	out 0x05, al
	mov al, ah
	and al, 0x1F
	out 0x05, al
	mov al, 0x02
	out 0x0A, al            ; unmask
	; READ DATA (E6h) or WRITE DATA (C5h): drive 0, random C/H/R/N/EOT
	mov al, 0xE6
	test bh, bh
	jz .cmd
	mov al, 0xC5
.cmd:
	call fdc_out
	jc .res
	mov al, [TMP + 5]
	shl al, 2
	call fdc_out            ; head, drive 0
	mov al, [TMP + 4]
	call fdc_out            ; C
	mov al, [TMP + 5]
	call fdc_out            ; H
	mov al, [TMP + 6]
	call fdc_out            ; R
	mov al, 2               ; N: 512-byte sectors, sometimes any size code
	test byte [TMP + 1], 0xE0
	jnz .n
	mov al, [TMP + 2]
	and al, 7
.n:
	call fdc_out            ; N
	mov ecx, 4
	call randn
	add al, [TMP + 6]
	test byte [TMP + 3], 0xF0
	jnz .eot
	mov al, [TMP + 2]       ; sometimes any EOT
.eot:
	call fdc_out            ; EOT
	mov al, 0x1B
	call fdc_out            ; GPL
	mov al, 0xFF
	call fdc_out            ; DTL
.res:
	call fdc_result
	cmp al, 0xFF
	je .none
	inc dword [N_FDC]
	test al, 0xC0
	jz .none
	inc dword [N_FERR]
.none:
	ret

; chaos: a random byte to a random register of the disk controllers and DMA
chaos:
	mov ecx, ports_end - ports
	shr ecx, 1
	call randn
	shl ax, 1
	mov si, ax
	mov dx, [cs:ports + si]
	call rand
	out dx, al
	ret

ports:
	dw 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6
	dw 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376
	dw BM, BM + 2, BM + 8, BM + 10
	dw 0x3F2, 0x3F4, 0x3F5, 0x3F7
	dw 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0F
	dw 0x81, 0x82, 0x83, 0x87
ports_end:

; puts: the string at CS:SI to port E9h
puts:
	mov dx, 0xE9
.c:
	mov al, [cs:si]
	test al, al
	jz .e
	out dx, al
	inc si
	jmp .c
.e:
	ret

; puthex: EAX as 8 hex digits to port E9h
puthex:
	mov cx, 8
	mov dx, 0xE9
	mov ebx, eax
.d:
	rol ebx, 4
	mov al, bl
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .o
	add al, 'a' - '0' - 10
.o:
	out dx, al
	loop .d
	ret

msg_seed: db "isolation: seed ", 0
msg_ok:   db " pio ", 0
msg_err:  db " err ", 0
msg_dma:  db " dma ", 0
msg_fdc:  db " fdc ", 0
msg_ferr: db " fdcerr ", 0
msg_sum:  db " sum ", 0
msg_end:  db 10, "isolation: done", 10, 0

	times 0xFFF0 - ($ - $$) db 0xFF
reset:                          ; F000:FFF0
	jmp 0xF000:start
	times 0x10000 - ($ - $$) db 0xFF
