; The application-processor trampoline. smp.c copies this blob to
; TRAMPOLINE_BASE (below 1 MiB), fills in its data block and sends
; INIT-SIPI-SIPI; each AP starts here in real mode, takes a ticket,
; switches to protected and then long mode on the BSP's page tables, and
; calls ap_entry(ticket) on the stack smp.c prepared for that ticket.
; All addresses are computed relative to the blob, so it runs wherever
; TRAMPOLINE_BASE says.

%define TRAMPOLINE_BASE 0x8000
%define REL(x) (TRAMPOLINE_BASE + (x) - trampoline_start)

section .rodata
bits 16

global trampoline_start
global trampoline_end
global trampoline_data
trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov ss, ax
    lgdt [REL(tr_gdt_ptr)]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:REL(tr_protected)

bits 32
tr_protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; ticket = fetch_add(next_ticket, 1): which stack and CPU this AP is
    mov eax, 1
    lock xadd [REL(tr_next_ticket)], eax
    mov edi, eax
    mov eax, cr4
    or eax, 1 << 5                    ; PAE
    mov cr4, eax
    mov eax, [REL(tr_cr3)]
    mov cr3, eax
    mov ecx, 0xc0000080               ; EFER
    rdmsr
    or eax, [REL(tr_efer)]
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)     ; PG, WP
    mov cr0, eax
    jmp 0x18:REL(tr_long)

bits 64
tr_long:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ; rsp = stacks[ticket], or park if there is no slot for this AP
    cmp edi, [REL(tr_nstacks)]
    jae .park
    mov rax, [REL(tr_stacks)]
    mov rsp, [rax + rdi * 8]
    xor ebp, ebp
    mov rax, [REL(tr_entry)]
    call rax
.park:
    cli
    hlt
    jmp .park

align 16
tr_gdt:
    dq 0
    dq 0x00cf9a000000ffff             ; 0x08: 32-bit code
    dq 0x00cf92000000ffff             ; 0x10: data
    dq 0x00af9a000000ffff             ; 0x18: 64-bit code
tr_gdt_ptr:
    dw tr_gdt_ptr - tr_gdt - 1
    dd REL(tr_gdt)

align 8
trampoline_data:                      ; filled in by smp.c (struct tramp_data)
tr_cr3:         dd 0
tr_efer:        dd 0
tr_next_ticket: dd 0
tr_nstacks:     dd 0
tr_stacks:      dq 0                  ; uint64_t *: one stack top per ticket
tr_entry:       dq 0                  ; void ap_entry(unsigned int ticket)
trampoline_end:
