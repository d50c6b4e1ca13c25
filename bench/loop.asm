bits 32
org 0x10000
start:
    mov esp, 0x90000
    mov ebp, 0x11223344     ; iterations (patched)
    xor ebx, ebx
    xor edi, edi
outer:
    mov esi, 0x100000
    mov ecx, 256
inner:
    mov eax, [esi + ecx*4]
    add eax, ecx
    xor edx, eax
    rol edx, 3
    adc ebx, edx
    mov [esi + ecx*4 + 0x2000], eax
    test al, 1
    jz .even
    inc edi
.even:
    dec ecx
    jnz inner
    call sub1
    mov esi, 0x100000
    push edi
    mov edi, 0x104000
    mov ecx, 64
    cld
    rep movsd
    mov ecx, 16
    mov al, bl
    rep stosb
    pop edi
    lodsd
    cmp eax, ebx
    sbb eax, eax
    dec ebp
    jnz outer
    lidt [idt0]             ; end: triple fault (QEMU -no-reboot and Bochs exit)
    int3
sub1:
    push eax
    movzx eax, bl
    imul eax, eax, 5
    pop eax
    ret
idt0: dw 0
      dd 0
