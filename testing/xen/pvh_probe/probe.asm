; torito-pvh-probe: the smallest PVH guest that proves a Xen host works.
;
; Xen starts it at pvh_start (ELF note XEN_ELFNOTE_PHYS32_ENTRY) in 32-bit
; protected mode with paging off and ebx -> hvm_start_info. It prints its
; lines to two places:
;   - I/O port 0xe9, which Xen prints as "(dN) ..." in `xl dmesg` (HVM and
;     PVH guests; shown when Xen runs with guest_loglvl=all);
;   - the PV console ring (HVM_PARAM_CONSOLE_PFN/EVTCHN), which xenconsoled
;     copies to `xl console` and its guest log, the path Torito images use.
; It then waits until xenconsoled has drained the ring and powers off with
; SCHEDOP_shutdown. With "stay" in its command line it blocks forever
; instead (SCHEDOP_block), so a harness can measure an idle domain.
;
; Hypercalls go through the hypercall page (MSR from CPUID leaf base+2) with
; the 32-bit ABI: number in the page offset, arguments in ebx, ecx, edx.
; It leaves out everything else: no paging, no interrupts, no event upcall.
; Without Xen (plain QEMU) it prints its hello to port 0xe9 and halts.

bits 32

HYPERCALL_SCHED_OP      equ 29
HYPERCALL_EVTCHN_OP     equ 32
HYPERCALL_HVM_OP        equ 34
SCHEDOP_YIELD           equ 0
SCHEDOP_BLOCK           equ 1
SCHEDOP_SHUTDOWN        equ 2
SHUTDOWN_POWEROFF       equ 0
EVTCHNOP_SEND           equ 4
HVMOP_GET_PARAM         equ 1
HVM_PARAM_CONSOLE_PFN   equ 17
HVM_PARAM_CONSOLE_EVTCHN equ 18
DOMID_SELF              equ 0x7ff0
START_MAGIC             equ 0x336ec578
; struct xencons_interface (xen/io/console.h)
CONS_OUT                equ 1024
CONS_OUT_SIZE           equ 2048
CONS_OUT_CONS           equ 3080
CONS_OUT_PROD           equ 3084

section .note.Xen note alloc noexec nowrite align=4
    dd 4                    ; name size
    dd 4                    ; descriptor size
    dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_start

section .text
global pvh_start
pvh_start:
    cli
    cld
    mov esp, stack_top
    mov [start_info], ebx
    mov esi, msg_hello
    call puts
    call xen_find
    test eax, eax
    jz .no_xen
    call console_init
    mov esi, msg_hello              ; now on the PV console too
    call puts
    call print_console
    call print_cmdline
    mov esi, msg_stay_word
    call cmdline_has
    test eax, eax
    jnz .stay
    mov esi, msg_off
    call puts
    call console_drain
    mov dword [scratch], SHUTDOWN_POWEROFF
    mov ebx, SCHEDOP_SHUTDOWN
    mov ecx, scratch
    call hypercall_page + HYPERCALL_SCHED_OP * 32
    mov esi, msg_shutdown_failed
    call puts
    jmp .halt
.stay:
    mov esi, msg_staying
    call puts
.block:
    mov ebx, SCHEDOP_BLOCK
    xor ecx, ecx
    call hypercall_page + HYPERCALL_SCHED_OP * 32
    jmp .block
.no_xen:
    mov esi, msg_no_xen
    call puts
.halt:
    cli                             ; on Xen HVM: every vCPU down = power off
    hlt
    jmp .halt

; eax = Xen's CPUID base leaf, or 0 when not under Xen. Sets up the
; hypercall page when found.
xen_find:
    mov edi, 0x40000000
.next:
    mov eax, edi
    cpuid
    cmp ebx, 0x566e6558             ; "XenV"
    jne .skip
    cmp ecx, 0x65584d4d             ; "MMXe"
    jne .skip
    cmp edx, 0x4d4d566e             ; "nVMM"
    jne .skip
    sub eax, edi
    cmp eax, 2
    jb .skip
    lea eax, [edi + 2]
    cpuid                           ; ebx = hypercall page MSR
    mov ecx, ebx
    mov eax, hypercall_page
    xor edx, edx
    wrmsr
    mov eax, edi
    ret
.skip:
    add edi, 0x100
    cmp edi, 0x40010000
    jb .next
    xor eax, eax
    ret

; eax = HVM parameter [ecx] (low 32 bits), or 0 on error.
hvm_get_param:
    mov word [param], DOMID_SELF
    mov word [param + 2], 0
    mov [param + 4], ecx
    mov dword [param + 8], 0
    mov dword [param + 12], 0
    mov ebx, HVMOP_GET_PARAM
    mov ecx, param
    call hypercall_page + HYPERCALL_HVM_OP * 32
    test eax, eax
    jnz .fail
    cmp dword [param + 12], 0       ; above 4 GiB: unreachable without paging
    jne .fail
    mov eax, [param + 8]
    ret
.fail:
    xor eax, eax
    ret

console_init:
    mov ecx, HVM_PARAM_CONSOLE_PFN
    call hvm_get_param
    shl eax, 12
    mov [cons], eax
    mov ecx, HVM_PARAM_CONSOLE_EVTCHN
    call hvm_get_param
    mov [cons_port], eax
    ret

; Writes the NUL-terminated string at esi to port 0xe9 and, once set up,
; to the PV console ring, then notifies the console backend.
puts:
    push esi
    mov dx, 0xe9
.e9:
    lodsb
    test al, al
    jz .e9_done
    out dx, al
    jmp .e9
.e9_done:
    pop esi
    mov edi, [cons]
    test edi, edi
    jz .done
.ring:
    lodsb
    test al, al
    jz .notify
.wait_space:
    mov ecx, [edi + CONS_OUT_PROD]
    sub ecx, [edi + CONS_OUT_CONS]
    cmp ecx, CONS_OUT_SIZE
    jb .room
    push eax
    push esi
    call console_notify
    mov ebx, SCHEDOP_YIELD
    xor ecx, ecx
    call hypercall_page + HYPERCALL_SCHED_OP * 32
    pop esi
    pop eax
    mov edi, [cons]
    jmp .wait_space
.room:
    mov ecx, [edi + CONS_OUT_PROD]
    mov edx, ecx
    and edx, CONS_OUT_SIZE - 1
    mov [edi + CONS_OUT + edx], al
    inc ecx
    ; The backend must see the bytes before the index that covers them.
    sfence
    mov [edi + CONS_OUT_PROD], ecx
    jmp .ring
.notify:
    call console_notify
.done:
    ret

console_notify:
    mov eax, [cons_port]
    mov [scratch], eax
    mov ebx, EVTCHNOP_SEND
    mov ecx, scratch
    call hypercall_page + HYPERCALL_EVTCHN_OP * 32
    ret

; Yields until xenconsoled has read everything, or about 2^33 TSC ticks
; (seconds) have passed, so output is not lost at power-off.
console_drain:
    mov edi, [cons]
    test edi, edi
    jz .done
    rdtsc
    add edx, 2
    mov [scratch + 4], edx
.loop:
    mov eax, [edi + CONS_OUT_CONS]
    cmp eax, [edi + CONS_OUT_PROD]
    je .done
    rdtsc
    cmp edx, [scratch + 4]
    jae .done
    mov ebx, SCHEDOP_YIELD
    xor ecx, ecx
    call hypercall_page + HYPERCALL_SCHED_OP * 32
    mov edi, [cons]
    jmp .loop
.done:
    ret

; Prints "console pfn 0x... evtchn 0x...".
print_console:
    mov edi, line
    mov esi, msg_cons
    call strcpy
    mov eax, [cons]
    shr eax, 12
    call hex
    mov esi, msg_evtchn
    call strcpy
    mov eax, [cons_port]
    call hex
    mov esi, msg_nl
    call strcpy
    mov byte [edi], 0
    mov esi, line
    jmp puts

; Prints "cmdline 'text'" from hvm_start_info (first 200 bytes).
print_cmdline:
    mov edi, line
    mov esi, msg_cmdline
    call strcpy
    call cmdline_ptr
    test esi, esi
    jz .close
    mov ecx, 200
.copy:
    lodsb
    test al, al
    jz .close
    cmp al, 0x20
    jb .close
    stosb
    loop .copy
.close:
    mov esi, msg_quote_nl
    call strcpy
    mov byte [edi], 0
    mov esi, line
    jmp puts

; esi = command line or 0.
cmdline_ptr:
    mov ebx, [start_info]
    xor esi, esi
    test ebx, ebx
    jz .done
    cmp dword [ebx], START_MAGIC
    jne .done
    cmp dword [ebx + 28], 0         ; cmdline_paddr above 4 GiB
    jne .done
    mov esi, [ebx + 24]
.done:
    ret

; eax = 1 when the word at esi occurs in the command line.
cmdline_has:
    mov edx, esi
    call cmdline_ptr
    test esi, esi
    jz .no
.start:
    cmp byte [esi], 0
    je .no
    mov edi, esi
    mov ebx, edx
.cmp:
    mov al, [ebx]
    test al, al
    jz .yes
    cmp al, [edi]
    jne .advance
    inc ebx
    inc edi
    jmp .cmp
.advance:
    inc esi
    jmp .start
.yes:
    mov eax, 1
    ret
.no:
    xor eax, eax
    ret

; Copies the string at esi to edi (without the NUL); edi ends after it.
strcpy:
    lodsb
    test al, al
    jz .done
    stosb
    jmp strcpy
.done:
    ret

; Writes eax as "0x" and 8 hex digits at edi.
hex:
    mov word [edi], "0x"
    add edi, 2
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 0xf
    mov dl, [hexdigits + edx]
    mov [edi], dl
    inc edi
    loop .digit
    ret

section .rodata
hexdigits:           db "0123456789abcdef"
msg_hello:           db "torito-pvh-probe: hello from a PVH guest", 10, 0
msg_no_xen:          db "torito-pvh-probe: no Xen CPUID leaves; halting", 10, 0
msg_cons:            db "torito-pvh-probe: console pfn ", 0
msg_evtchn:          db " evtchn ", 0
msg_cmdline:         db "torito-pvh-probe: cmdline '", 0
msg_quote_nl:        db "'"
msg_nl:              db 10, 0
msg_stay_word:       db "stay", 0
msg_staying:         db "torito-pvh-probe: staying idle (SCHEDOP_block)", 10, 0
msg_off:             db "torito-pvh-probe: powering off", 10, 0
msg_shutdown_failed: db "torito-pvh-probe: SCHEDOP_shutdown failed", 10, 0

section .bss
alignb 4096
hypercall_page: resb 4096
alignb 16
stack:          resb 4096
stack_top:
start_info:     resd 1
cons:           resd 1
cons_port:      resd 1
scratch:        resd 2
param:          resd 4
line:           resb 512
