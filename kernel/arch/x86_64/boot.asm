; Boot entries: the PVH entry (Xen PVH, QEMU -kernel, Firecracker) and the
; multiboot2 entry (GRUB2). Both arrive in 32-bit protected mode with paging
; off, record which path was taken and the boot structure's address, build
; identity page tables for the first 4 GiB (2 MiB pages), enter long mode and
; call kernel_entry(magic, info) in C. The C side builds the real page
; tables, GDT/TSS and IDT. A CPU without long mode gets a message on COM1 and
; a failure exit (isa-debug-exit) instead of a silent hang.

%define PVH_MAGIC        0x336ec578
%define MB2_HEADER_MAGIC 0xe85250d6
%define MB2_ARCH_I386    0
%define COM1             0x3f8
%define DEBUG_EXIT_PORT  0xf4

%define CR0_PG  (1 << 31)
%define CR0_WP  (1 << 16)
%define CR4_PAE (1 << 5)
%define EFER    0xc0000080
%define EFER_LME (1 << 8)
%define EFER_NXE (1 << 11)

; ----------------------------------------------------------------------------
; Multiboot2 header: must sit in the first 32 KiB of the file, 8-aligned.
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; entry address tag (type 3): GRUB jumps to mb2_entry
    align 8
    dw 3, 0
    dd 12
    dd mb2_entry
    ; end tag
    align 8
    dw 0, 0
    dd 8
mb2_header_end:

; ----------------------------------------------------------------------------
; PVH note: XEN_ELFNOTE_PHYS32_ENTRY (18). QEMU reads an 8-byte descriptor
; from an ELF64 note; Xen accepts either size.
section .note.Xen note alloc noexec nowrite align=4
    dd 4                    ; name size
    dd 8                    ; descriptor size
    dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dq pvh_entry

; ----------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32

global pvh_entry
pvh_entry:
    ; ebx = physical address of struct hvm_start_info
    cli
    cld
    mov dword [boot_magic], PVH_MAGIC
    mov [boot_info_addr], ebx
    jmp common32

global mb2_entry
mb2_entry:
    ; eax = 0x36d76289, ebx = physical address of the multiboot2 information
    cli
    cld
    mov [boot_magic], eax
    mov [boot_info_addr], ebx
    jmp common32

common32:
    mov esp, boot_stack_top
    ; Long mode needs CPUID leaf 0x80000001 bit 29.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, (1 << 29)
    jz no_long_mode
    mov esi, edx            ; keep bit 20 (NX) for EFER below

    ; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
    mov eax, boot_pdpt
    or eax, 3
    mov [boot_pml4], eax
    mov ecx, 0
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, 3
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt
    mov ecx, 0
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83            ; present, writable, 2 MiB page
    mov [boot_pd + ecx * 8], eax
    mov eax, ecx
    shr eax, 11             ; high half of (ecx << 21)
    mov [boot_pd + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jb .pd
    ; The first 2 MiB use 4 KiB pages so that page 0 (NULL) and the guard
    ; page under the boot stack can be unmapped: a NULL dereference or a
    ; stack overflow then faults instead of corrupting memory. Page 0 stays
    ; mapped until C has read the boot record (PVH puts its memory map
    ; there) and calls mmu_unmap_null_page().
    mov ecx, 0
.pt:
    mov eax, ecx
    shl eax, 12
    or eax, 3
    mov [boot_pt + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pt
    mov eax, boot_stack_guard
    cmp eax, 0x200000
    jae .guard_done
    shr eax, 12
    mov dword [boot_pt + eax * 8], 0
.guard_done:
    mov eax, boot_pt
    or eax, 3
    mov [boot_pd], eax
    mov dword [boot_pd + 4], 0

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, EFER
    rdmsr
    or eax, EFER_LME
    test esi, (1 << 20)
    jz .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    lgdt [boot_gdt_ptr]
    jmp 0x08:long64

no_long_mode:
    mov esi, msg_no_long_mode
.putc:
    lodsb
    test al, al
    jz .exit
    mov dx, COM1 + 5
    mov ah, al
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .putc
.exit:
    mov al, 1               ; failure status for isa-debug-exit
    out DEBUG_EXIT_PORT, al
.halt:
    hlt
    jmp .halt

bits 64
long64:
    xor eax, eax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    xor ebp, ebp            ; backtraces stop here
    mov edi, [boot_magic]
    mov esi, [boot_info_addr]
    extern kernel_entry
    call kernel_entry
.halt:
    cli
    hlt
    jmp .halt

; ----------------------------------------------------------------------------
section .boot.rodata progbits alloc noexec nowrite align=16
msg_no_long_mode:
    db "torito: this CPU has no 64-bit long mode; cannot boot", 13, 10, 0

align 16
boot_gdt:
    dq 0
    dq 0x00af9a000000ffff   ; 0x08: 64-bit code, ring 0
    dq 0x00cf92000000ffff   ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt

; ----------------------------------------------------------------------------
section .boot.bss nobits alloc noexec write align=4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4096 * 4
global boot_pt
boot_pt:    resb 4096
global boot_stack_guard
boot_stack_guard:
            resb 4096
global boot_stack_bottom
boot_stack_bottom:
            resb 16384
global boot_stack_top
boot_stack_top:
boot_magic:     resd 1
boot_info_addr: resd 1
