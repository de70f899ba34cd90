/*
 * sys.S: the shared runtime of the system-level test images (sys_*).
 * .include it after rt.S; call sys_init first thing in main.
 *
 * It provides:
 *  - a GDT (sys_gdt) with ring-0 and ring-3 code and data segments for
 *    every mode (laid out for SYSCALL/SYSRET and SYSENTER/SYSEXIT), a
 *    16-bit code/data pair whose base an image sets, a 32-bit and a 64-bit
 *    TSS, and free slots from SEL_FREE up that images fill (sys_setdesc);
 *  - a 32-bit TSS with a full I/O permission bitmap (all ports allowed)
 *    and a 64-bit TSS with RSP0 and IST1/IST2;
 *  - 256-vector 32-bit and 64-bit IDTs whose stubs record the whole
 *    exception frame (vector, error code, EIP/RIP, CS, EFLAGS, SS:ESP,
 *    the frame's address, CR2, DR6) and then, depending on sys_exc_mode,
 *    stop the test (unexpected exception), resume at a label armed with
 *    TRY/TRY64, or IRET back to the interrupted code (optionally ORing
 *    bits into the pushed EFLAGS);
 *  - sys_report / sys64_report, which print the recorded exception as
 *	#GP err=0010 eip=L+03 cs=0008 fl=00000002 [ss=.. esp=..] [cr2=..]
 *    where L is the label TRY named as the faulting instruction (so a
 *    fault prints L+00 and a trap the instruction's length), and the
 *    flags are masked with sys_flmask (by default every defined bit but
 *    RF, whose pushed value checks print on purpose);
 *  - ring-3 entry (sys_user32, sys_user32_retf, sys_user64): the ring-3
 *    code comes back with "int $SYS_VEC_RET0" (vector 0x81, DPL 3), which
 *    returns from the sys_user* call with the ring-3 GPRs;
 *  - identity page tables for 0-4 GiB (2 MiB pages, user-accessible) and
 *    the TO_LONG / TO_LEGACY mode-switch macros;
 *  - 64-bit console helpers (sys64_putc/puts/hex, P64/H64/NL64 macros).
 */
	.ifndef SYS_INCLUDED
	.set SYS_INCLUDED, 1

	/* GDT selectors. */
	.set SEL_CS32, 0x08	/* flat 32-bit code, DPL 0 */
	.set SEL_DS, 0x10	/* flat data, DPL 0 */
	.set SEL_CS64, 0x18	/* 64-bit code, DPL 0 */
	.set SEL_DS2, 0x20	/* flat data, DPL 0 (SS of SYSCALL64/SYSENTER) */
	.set SEL_UCS32, 0x28	/* flat 32-bit code, DPL 3 */
	.set SEL_UDS, 0x30	/* flat data, DPL 3 */
	.set SEL_UCS64, 0x38	/* 64-bit code, DPL 3 */
	.set SEL_CS16, 0x40	/* 16-bit code, DPL 0, base set by the image */
	.set SEL_DS16, 0x48	/* 16-bit data, DPL 0, base set by the image */
	.set SEL_TSS32, 0x50
	.set SEL_TSS64, 0x58	/* 16 bytes */
	.set SEL_FREE, 0x68	/* 0x68..0xf8: free for the image */
	.set SYS_GDT_LIMIT, 32 * 8 - 1

	/* Descriptor attributes for sys_setdesc: access byte | flags << 12. */
	.set DA_DATA, 0x92	/* present, writable data, DPL 0 */
	.set DA_CODE, 0x9a	/* present, readable code, DPL 0 */
	.set DA_G, 0x8000	/* 4 KiB granularity */
	.set DA_DB, 0x4000	/* 32-bit (D/B) */
	.set DA_L, 0x2000	/* 64-bit code */

	/* MSRs. */
	.set MSR_SYSENTER_CS, 0x174
	.set MSR_SYSENTER_ESP, 0x175
	.set MSR_SYSENTER_EIP, 0x176
	.set MSR_EFER, 0xc0000080
	.set MSR_STAR, 0xc0000081
	.set MSR_LSTAR, 0xc0000082
	.set MSR_CSTAR, 0xc0000083
	.set MSR_SFMASK, 0xc0000084
	.set MSR_FS_BASE, 0xc0000100
	.set MSR_GS_BASE, 0xc0000101
	.set MSR_KGS_BASE, 0xc0000102
	.set MSR_TSC_AUX, 0xc0000103
	.set EFER_SCE, 0x001
	.set EFER_LME, 0x100
	.set EFER_LMA, 0x400
	.set EFER_NXE, 0x800

	/* Control register bits. */
	.set CR0_PE, 0x00000001
	.set CR0_MP, 0x00000002
	.set CR0_EM, 0x00000004
	.set CR0_TS, 0x00000008
	.set CR0_NE, 0x00000020
	.set CR0_WP, 0x00010000
	.set CR0_AM, 0x00040000
	.set CR0_PG, 0x80000000
	.set CR4_TSD, 0x004
	.set CR4_DE, 0x008
	.set CR4_PSE, 0x010
	.set CR4_PAE, 0x020

	/* Page-table entry bits. */
	.set PTE_P, 0x001
	.set PTE_W, 0x002
	.set PTE_U, 0x004
	.set PTE_A, 0x020
	.set PTE_D, 0x040
	.set PTE_PS, 0x080

	/* More RFLAGS bits. */
	.set FL_IOPL3, 0x3000
	.set FL_NT, 0x4000
	.set FL_RF, 0x10000
	.set FL_AC, 0x40000

	/* Vectors. */
	.set SYS_VEC_INT, 0x80	/* DPL 3, recorded like an exception */
	.set SYS_VEC_RET0, 0x81	/* DPL 3: ring-3 code returns to ring 0 */
	/* Vectors whose exceptions push an error code. */
	.set SYS_ERRVEC, (1<<8)|(1<<10)|(1<<11)|(1<<12)|(1<<13)|(1<<14)|(1<<17)|(1<<21)|(1<<29)|(1<<30)

	/* sys_exc_mode. */
	.set XM_STOP, 0		/* unexpected: print it and exit 2 */
	.set XM_RESUME, 1	/* one-shot: resume at sys_resume_eip */
	.set XM_IRET, 2		/* return to the interrupted code */

	/* sys_show bits: what sys_report prints. */
	.set SH_EIP, 1		/* eip=L+xx */
	.set SH_CS, 2		/* cs= */
	.set SH_FL, 4		/* fl= (masked with sys_flmask) */
	.set SH_STK, 8		/* ss= esp= when the privilege changed */
	.set SH_FRAME, 16	/* frame= the frame's address - sys_frame_ref */
	.set SH_AUX, 32		/* cr2= for #PF, dr6= for #DB */
	.set SH_DEFAULT, SH_EIP|SH_CS|SH_FL|SH_STK|SH_AUX
	.set SYS_FLMASK, 0x00047fd7	/* defined RFLAGS bits except RF */

/* TRY fault, resume: arm the handlers (32-bit code). The next exception
 * is recorded and execution resumes at "resume" (ring 0, the stack as it
 * was here, IF=0); "fault" is the label eip= is printed relative to.
 * If no exception comes, the code reaches "resume" by itself; sys_report
 * then prints "no exception". */
	.macro TRY fault:req, resume:req
	movl	$\fault, sys_exp_label
	movl	$\resume, sys_resume_eip
	movl	%esp, sys_resume_esp
	movl	$0, sys_exc_count
	movl	$XM_RESUME, sys_exc_mode
	.endm

/* TRY64 fault, resume: the same in 64-bit code. */
	.macro TRY64 fault:req, resume:req
	push	%rax
	mov	$\fault, %eax
	mov	%rax, sys_exp_label(%rip)
	mov	$\resume, %eax
	mov	%rax, sys_resume_eip(%rip)
	pop	%rax
	mov	%rsp, sys_resume_esp(%rip)
	movl	$0, sys_exc_count(%rip)
	movl	$XM_RESUME, sys_exc_mode(%rip)
	.endm

/* SHOW bits / SHOW64 bits: what the next report prints (reset to
 * SH_DEFAULT after). */
	.macro SHOW bits:req
	movl	$\bits, sys_show
	.endm
	.macro SHOW64 bits:req
	movl	$\bits, sys_show(%rip)
	.endm

/* P64 "text", H64 src, digits, NL64, SP64: 64-bit console macros. They
 * preserve every register and RFLAGS; src must not be RSP-relative. */
	.macro P64 text:req
	.pushsection .rodata
.Lp64_str\@:
	.asciz "\text"
	.popsection
	push	%rsi
	mov	$.Lp64_str\@, %esi
	call	sys64_puts
	pop	%rsi
	.endm
	.macro H64 src:req, digits=16
	push	%rcx
	push	%rax
	mov	\src, %rax
	mov	$\digits, %ecx
	call	sys64_hex
	pop	%rax
	pop	%rcx
	.endm
	.macro NL64
	push	%rax
	mov	$'\n', %al
	call	sys64_putc
	pop	%rax
	.endm
	.macro SP64
	push	%rax
	mov	$' ', %al
	call	sys64_putc
	pop	%rax
	.endm

/*
 * TO_LONG: from 32-bit protected mode with paging off to 64-bit mode on
 * the identity map (PAE, CR3 = sys_pml4, EFER.LME, CR0.PG, far jump),
 * then the 64-bit IDT and TSS. Clobbers EAX, ECX, EDX.
 */
	.macro TO_LONG
	.code32
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$sys_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$SEL_CS64, $.Lto_long\@
	.code64
.Lto_long\@:
	mov	%esp, %esp		/* RSP = ESP, upper half zero */
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	lidt	sys_idtr64(%rip)
	call	sys_ltr64
	.endm

/*
 * TO_LEGACY: from 64-bit mode back to 32-bit protected mode with paging
 * off (through compatibility mode), the 32-bit IDT and TSS. Clobbers
 * EAX, ECX, EDX.
 */
	.macro TO_LEGACY
	.code64
	pushq	$SEL_CS32
	mov	$.Lto_leg\@, %eax
	push	%rax
	lretq
	.code32
.Lto_leg\@:
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	%cr4, %eax
	and	$~CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	lidt	sys_idtr32
	call	sys_ltr32
	.endm

	.text
	.code32

/* sys_init: load sys_gdt, build the TSSs, IDTs and the identity page
 * tables, load TR with the 32-bit TSS. All registers preserved. */
	.globl sys_init
sys_init:
	pushal
	lgdt	sys_gdtr
	ljmp	$SEL_CS32, $1f
1:	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	/* 32-bit TSS: SS0:ESP0, I/O bitmap right after the 104-byte TSS. */
	movl	$sys_stack0_top, sys_tss32+4
	movl	$SEL_DS, sys_tss32+8
	movw	$104, sys_tss32+102
	movb	$0xff, sys_tss32+104+8192
	mov	$SEL_TSS32, %ecx
	mov	$sys_tss32, %eax
	mov	$104+8192, %ebx
	mov	$0x0089, %edx
	call	sys_setdesc
	/* 64-bit TSS: RSP0, IST1, IST2; no I/O bitmap (base past the limit). */
	movl	$sys_stack0_top, sys_tss64+4
	movl	$sys_ist1_top, sys_tss64+36
	movl	$sys_ist2_top, sys_tss64+44
	movw	$104, sys_tss64+102
	mov	$SEL_TSS64, %ecx
	mov	$sys_tss64, %eax
	mov	$103, %ebx
	mov	$0x0089, %edx
	call	sys_setdesc
	/* 32-bit IDT: interrupt gates to the stubs, DPL 3 for 3, 4, 0x80, 0x81. */
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$4, %eax
	add	$sys_stubs32, %eax
	mov	%eax, %edx
	and	$0xffff, %eax
	or	$SEL_CS32 << 16, %eax
	and	$0xffff0000, %edx
	or	$0x8e00, %edx
	call	sys_dpl3_vec
	jne	3f
	or	$0x6000, %edx
3:	mov	%eax, sys_idt32(,%ecx,8)
	mov	%edx, sys_idt32+4(,%ecx,8)
	inc	%ecx
	cmp	$256, %ecx
	jb	2b
	/* 64-bit IDT: the same with 16-byte gates. */
	xor	%ecx, %ecx
4:	mov	%ecx, %eax
	shl	$4, %eax
	add	$sys_stubs64, %eax
	mov	%eax, %edx
	and	$0xffff, %eax
	or	$SEL_CS64 << 16, %eax
	and	$0xffff0000, %edx
	or	$0x8e00, %edx
	call	sys_dpl3_vec
	jne	5f
	or	$0x6000, %edx
5:	mov	%ecx, %edi
	shl	$4, %edi
	mov	%eax, sys_idt64(%edi)
	mov	%edx, sys_idt64+4(%edi)
	movl	$0, sys_idt64+8(%edi)
	movl	$0, sys_idt64+12(%edi)
	inc	%ecx
	cmp	$256, %ecx
	jb	4b
	lidt	sys_idtr32
	/* Identity map of 0-4 GiB: PML4[0] -> PDPT, PDPT[i] -> PD i, 2 MiB pages. */
	mov	$sys_pdpt, %eax
	or	$PTE_P|PTE_W|PTE_U, %eax
	mov	%eax, sys_pml4
	xor	%ecx, %ecx
6:	mov	%ecx, %eax
	shl	$12, %eax
	add	$sys_pd, %eax
	or	$PTE_P|PTE_W|PTE_U, %eax
	mov	%eax, sys_pdpt(,%ecx,8)
	inc	%ecx
	cmp	$4, %ecx
	jb	6b
	xor	%ecx, %ecx
7:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P|PTE_W|PTE_U|PTE_PS, %eax
	mov	%eax, sys_pd(,%ecx,8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	7b
	call	sys_ltr32
	popal
	ret

/* sys_dpl3_vec: ZF=1 if vector ECX gets a DPL-3 gate. */
sys_dpl3_vec:
	cmp	$3, %ecx
	je	1f
	cmp	$4, %ecx
	je	1f
	cmp	$SYS_VEC_INT, %ecx
	je	1f
	cmp	$SYS_VEC_RET0, %ecx
1:	ret

/*
 * sys_setdesc: write GDT entry ECX (a selector) with base EAX, limit EBX
 * (20 bits) and attributes EDX (access byte | flags << 12; see DA_*).
 * All registers preserved.
 */
	.globl sys_setdesc
sys_setdesc:
	pushal
	and	$0xfff8, %ecx
	lea	sys_gdt(%ecx), %edi
	mov	%bx, (%edi)
	mov	%ax, 2(%edi)
	shr	$16, %eax
	mov	%al, 4(%edi)
	mov	%ah, 7(%edi)
	mov	%dl, 5(%edi)
	shr	$16, %ebx
	and	$0x0f, %bl
	mov	%dh, %al
	and	$0xf0, %al
	or	%bl, %al
	mov	%al, 6(%edi)
	popal
	ret

/* sys_ltr32: load TR with the 32-bit TSS (clearing its busy bit first). */
	.globl sys_ltr32
sys_ltr32:
	push	%eax
	andb	$~0x02, sys_gdt+SEL_TSS32+5
	mov	$SEL_TSS32, %ax
	ltr	%ax
	pop	%eax
	ret

/* sys_set_idt32: gate of vector ECX in the 32-bit IDT to handler EAX with
 * type/attribute byte EDX (e.g. 0x8e), selector SEL_CS32. */
	.globl sys_set_idt32
sys_set_idt32:
	pushal
	mov	%eax, %ebx
	and	$0xffff, %eax
	or	$SEL_CS32 << 16, %eax
	and	$0xffff0000, %ebx
	shl	$8, %edx
	or	%edx, %ebx
	mov	%eax, sys_idt32(,%ecx,8)
	mov	%ebx, sys_idt32+4(,%ecx,8)
	popal
	ret

/* sys_user32: run ring-3 code at EAX with EFLAGS EDX (CS=0x2b, SS=DS=ES=
 * 0x33, ESP=sys_ustack_top) through IRET. The code comes back with
 * "int $SYS_VEC_RET0": sys_user32 then returns with the ring-3 EAX, EBX,
 * ECX, EDX, ESI, EDI, EBP, DS=ES=FS=GS=0x10 and EFLAGS=2 (the ECX given
 * to sys_user32 is not passed to ring 3). */
	.globl sys_user32
sys_user32:
	mov	%esp, sys_u_esp
	pushl	$SEL_UDS|3
	pushl	$sys_ustack_top
	pushl	%edx
	pushl	$SEL_UCS32|3
	pushl	%eax
	mov	$SEL_UDS|3, %ecx
	mov	%ecx, %ds
	mov	%ecx, %es
	iret

/* sys_user32_retf: the same through a far RET (EFLAGS unchanged). */
	.globl sys_user32_retf
sys_user32_retf:
	mov	%esp, sys_u_esp
	pushl	$SEL_UDS|3
	pushl	$sys_ustack_top
	pushl	$SEL_UCS32|3
	pushl	%eax
	mov	$SEL_UDS|3, %ecx
	mov	%ecx, %ds
	mov	%ecx, %es
	lret

/* The 32-bit stubs: 16 bytes each; vectors without an error code push 0. */
	.balign 16
sys_stubs32:
	.set sys_v, 0
	.rept 256
	.balign 16
	.if sys_v < 32
	.if ((SYS_ERRVEC >> sys_v) & 1) == 0
	pushl	$0
	.endif
	.else
	pushl	$0
	.endif
	pushl	$sys_v
	jmp	sys_exc32
	.set sys_v, sys_v + 1
	.endr

/* sys_haserr: ZF=0 if vector EAX pushes an error code. */
sys_haserr:
	push	%eax
	cmp	$32, %eax
	jae	1f
	bt	%eax, sys_errvec
	setc	%al
	test	%al, %al
	pop	%eax
	ret
1:	cmp	%eax, %eax		/* ZF=1: no error code */
	pop	%eax
	ret

/*
 * The 32-bit common handler. Stack: vector, error code (0 if none), EIP,
 * CS, EFLAGS [, ESP, SS if the privilege changed].
 */
sys_exc32:
	pushal
	push	%ds
	push	%es
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	lea	40(%esp), %ebp		/* -> vector */
	mov	(%ebp), %eax
	cmp	$SYS_VEC_RET0, %eax
	je	sys_ret0_32
	mov	%eax, sys_exc_vec
	xor	%eax, %eax
	mov	%ss, %ax
	mov	%eax, sys_exc_hss
	mov	4(%ebp), %eax
	mov	%eax, sys_exc_err
	movl	$0, sys_exc_err+4
	mov	8(%ebp), %eax
	mov	%eax, sys_exc_eip
	movl	$0, sys_exc_eip+4
	mov	12(%ebp), %eax
	movzwl	%ax, %eax
	mov	%eax, sys_exc_cs
	mov	16(%ebp), %eax
	mov	%eax, sys_exc_fl
	movl	$0, sys_exc_fl+4
	testb	$3, sys_exc_cs
	jz	1f
	mov	20(%ebp), %eax		/* outer stack pushed */
	mov	%eax, sys_exc_esp
	movzwl	24(%ebp), %eax
	mov	%eax, sys_exc_ss
	jmp	2f
1:	lea	20(%ebp), %eax		/* same privilege: ESP before the event */
	mov	%eax, sys_exc_esp
	xor	%eax, %eax
	mov	%ss, %ax
	mov	%eax, sys_exc_ss
2:	movl	$0, sys_exc_esp+4
	lea	8(%ebp), %eax		/* the frame the CPU pushed */
	push	%eax
	mov	sys_exc_vec, %eax
	call	sys_haserr
	pop	%eax
	jz	3f
	sub	$4, %eax
3:	mov	%eax, sys_exc_frame
	movl	$0, sys_exc_frame+4
	mov	%cr2, %eax
	mov	%eax, sys_exc_cr2
	movl	$0, sys_exc_cr2+4
	mov	%dr6, %eax
	mov	%eax, sys_exc_dr6
	incl	sys_exc_count
	/* log vector, EIP and DR6 of the first 8 events */
	mov	sys_log_n, %ecx
	cmp	$8, %ecx
	jae	4f
	shl	$4, %ecx
	mov	sys_exc_vec, %eax
	mov	%eax, sys_log(%ecx)
	mov	sys_exc_eip, %eax
	mov	%eax, sys_log+4(%ecx)
	mov	sys_exc_dr6, %eax
	mov	%eax, sys_log+8(%ecx)
	mov	sys_exc_fl, %eax
	mov	%eax, sys_log+12(%ecx)
	incl	sys_log_n
4:	mov	sys_exc_mode, %eax
	cmpl	$32, sys_exc_count	/* a runaway (e.g. RF ignored): stop */
	jbe	41f
	mov	$XM_STOP, %eax
41:	cmp	$XM_RESUME, %eax
	je	sys_resume32
	cmp	$XM_IRET, %eax
	je	5f
	PUTS	"unexpected exception: "
	call	sys_report
	EXIT	$RT_EXIT_EXC
5:	mov	sys_exc_orfl, %eax
	or	%eax, 16(%ebp)
	cmpl	$0, sys_exc_dr6clr
	je	6f
	xor	%eax, %eax
	mov	%eax, %dr6
6:	pop	%es
	pop	%ds
	popal
	add	$8, %esp
	iret

sys_resume32:
	movl	$XM_STOP, sys_exc_mode
	mov	$SEL_DS, %eax
	mov	%eax, %ss
	mov	sys_resume_esp, %esp
	mov	%eax, %fs
	mov	%eax, %gs
	pushl	$FL_FIXED
	popfl
	jmp	*sys_resume_eip

sys_ret0_32:
	lea	8(%esp), %esi		/* the PUSHAL frame */
	mov	$SEL_DS, %eax
	mov	%eax, %ss
	mov	sys_u_esp, %esp
	mov	%eax, %fs
	mov	%eax, %gs
	pushl	$FL_FIXED
	popfl
	mov	0(%esi), %edi
	mov	8(%esi), %ebp
	mov	16(%esi), %ebx
	mov	20(%esi), %edx
	mov	24(%esi), %ecx
	mov	28(%esi), %eax
	mov	4(%esi), %esi
	ret

/*
 * sys_report: print the exception recorded since the last TRY (or "no
 * exception") and a newline, as selected by sys_show; disarms TRY.
 * All registers preserved.
 */
	.globl sys_report
sys_report:
	pushfl
	pushal
	movl	$XM_STOP, sys_exc_mode
	cmpl	$0, sys_exc_count
	jne	1f
	PUTS	"no exception\n"
	jmp	9f
1:	PUTC	'#'
	mov	sys_exc_vec, %eax
	cmp	$32, %eax
	jae	2f
	movb	rt_exc_names(,%eax,2), %al
	call	rt_putc
	mov	sys_exc_vec, %eax
	movb	rt_exc_names+1(,%eax,2), %al
	call	rt_putc
	jmp	3f
2:	PUTS	"INT"
	HEX8	sys_exc_vec
3:	mov	sys_exc_vec, %eax
	call	sys_haserr
	jz	4f
	PUTS	" err="
	HEX16	sys_exc_err
4:	testb	$SH_EIP, sys_show
	jz	5f
	PUTS	" eip="
	mov	sys_exc_eip, %eax
	sub	sys_exp_label, %eax
	cmp	$0x100, %eax
	jae	41f
	PUTS	"L+"
	HEX8	%al
	jmp	5f
41:	HEX32	sys_exc_eip
5:	testb	$SH_CS, sys_show
	jz	6f
	PUTS	" cs="
	HEX16	sys_exc_cs
6:	testb	$SH_FL, sys_show
	jz	7f
	PUTS	" fl="
	mov	sys_exc_fl, %eax
	and	sys_flmask, %eax
	HEX32	%eax
7:	testb	$SH_STK, sys_show
	jz	71f
	testb	$3, sys_exc_cs
	jz	71f
	PUTS	" ss="
	HEX16	sys_exc_ss
	PUTS	" esp="
	HEX32	sys_exc_esp
71:	testb	$SH_FRAME, sys_show
	jz	72f
	PUTS	" frame=ref-"
	mov	sys_frame_ref, %eax
	sub	sys_exc_frame, %eax
	HEX16	%ax
72:	testb	$SH_AUX, sys_show
	jz	8f
	cmpl	$14, sys_exc_vec
	jne	73f
	PUTS	" cr2="
	HEX32	sys_exc_cr2
73:	cmpl	$1, sys_exc_vec
	jne	8f
	PUTS	" dr6="
	HEX32	sys_exc_dr6
8:	NL
9:	movl	$SH_DEFAULT, sys_show
	movl	$SYS_FLMASK, sys_flmask
	popal
	popfl
	ret

/*
 * 64-bit code.
 */
	.code64

/* sys_ltr64: load TR with the 64-bit TSS (clearing its busy bit first). */
	.globl sys_ltr64
sys_ltr64:
	push	%rax
	andb	$~0x02, sys_gdt+SEL_TSS64+5(%rip)
	mov	$SEL_TSS64, %ax
	ltr	%ax
	pop	%rax
	ret

/* sys_set_idt64: gate of vector ECX in the 64-bit IDT to handler RAX
 * (below 4 GiB) with type/attribute byte EDX (e.g. 0x8e) and IST ESI. */
	.globl sys_set_idt64
sys_set_idt64:
	push	%rax
	push	%rbx
	push	%rdi
	mov	%ecx, %edi
	shl	$4, %edi
	push	%rax
	lea	sys_idt64(%rip), %rax
	add	%rax, %rdi
	pop	%rax
	mov	%eax, %ebx
	and	$0xffff, %eax
	or	$SEL_CS64 << 16, %eax
	and	$0xffff0000, %ebx
	push	%rdx
	shl	$8, %edx
	or	%edx, %ebx
	pop	%rdx
	or	%esi, %ebx
	mov	%eax, (%rdi)
	mov	%ebx, 4(%rdi)
	pop	%rdi
	pop	%rbx
	pop	%rax
	ret

/* sys_user64: run ring-3 code at RAX with RFLAGS RDX and code selector
 * RCX (SEL_UCS64|3 for 64-bit code, SEL_UCS32|3 for compatibility mode),
 * SS=0x33, RSP=sys_ustack_top, through IRETQ. "int $SYS_VEC_RET0" comes
 * back with the ring-3 GPRs (RFLAGS=2, RSP restored). */
	.globl sys_user64
sys_user64:
	mov	%rsp, sys_u_esp(%rip)
	pushq	$SEL_UDS|3
	push	%rax
	mov	$sys_ustack_top, %eax
	xchg	%rax, (%rsp)
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	iretq

/* The 64-bit stubs: 16 bytes each. */
	.balign 16
sys_stubs64:
	.set sys_v, 0
	.rept 256
	.balign 16
	.if sys_v < 32
	.if ((SYS_ERRVEC >> sys_v) & 1) == 0
	pushq	$0
	.endif
	.else
	pushq	$0
	.endif
	pushq	$sys_v
	jmp	sys_exc64
	.set sys_v, sys_v + 1
	.endr

/* The 64-bit common handler. Stack: vector, error code, RIP, CS, RFLAGS,
 * RSP, SS. (64-bit code here addresses memory RIP-relative: the object
 * is ELF32, which has no sign-extended 32-bit relocations.) */
sys_exc64:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	lea	120(%rsp), %rbp		/* -> vector */
	mov	(%rbp), %rax
	cmp	$SYS_VEC_RET0, %rax
	je	sys_ret0_64
	mov	%eax, sys_exc_vec(%rip)
	xor	%eax, %eax
	mov	%ss, %ax
	mov	%eax, sys_exc_hss(%rip)
	mov	8(%rbp), %rax
	mov	%rax, sys_exc_err(%rip)
	mov	16(%rbp), %rax
	mov	%rax, sys_exc_eip(%rip)
	movzwl	24(%rbp), %eax
	mov	%eax, sys_exc_cs(%rip)
	mov	32(%rbp), %rax
	mov	%rax, sys_exc_fl(%rip)
	mov	40(%rbp), %rax
	mov	%rax, sys_exc_esp(%rip)
	movzwl	48(%rbp), %eax
	mov	%eax, sys_exc_ss(%rip)
	lea	16(%rbp), %rax
	push	%rax
	mov	sys_exc_vec(%rip), %eax
	call	sys64_haserr
	pop	%rax
	jz	1f
	sub	$8, %rax
1:	mov	%rax, sys_exc_frame(%rip)
	mov	%cr2, %rax
	mov	%rax, sys_exc_cr2(%rip)
	mov	%dr6, %rax
	mov	%eax, sys_exc_dr6(%rip)
	incl	sys_exc_count(%rip)
	mov	sys_log_n(%rip), %ecx
	cmp	$8, %ecx
	jae	4f
	shl	$4, %ecx
	lea	sys_log(%rip), %rdx
	add	%rcx, %rdx
	mov	sys_exc_vec(%rip), %eax
	mov	%eax, (%rdx)
	mov	sys_exc_eip(%rip), %eax
	mov	%eax, 4(%rdx)
	mov	sys_exc_dr6(%rip), %eax
	mov	%eax, 8(%rdx)
	mov	sys_exc_fl(%rip), %eax
	mov	%eax, 12(%rdx)
	incl	sys_log_n(%rip)
4:	mov	sys_exc_mode(%rip), %eax
	cmpl	$32, sys_exc_count(%rip)	/* a runaway: stop */
	jbe	41f
	mov	$XM_STOP, %eax
41:	cmp	$XM_RESUME, %eax
	je	sys_resume64
	cmp	$XM_IRET, %eax
	je	5f
	P64	"unexpected exception: "
	call	sys64_report
	mov	$RT_EXIT_EXC, %eax
	mov	$RT_EXIT_PORT, %dx
	out	%eax, %dx
	hlt
5:	mov	sys_exc_orfl(%rip), %eax
	or	%rax, 32(%rbp)
	cmpl	$0, sys_exc_dr6clr(%rip)
	je	6f
	xor	%eax, %eax
	mov	%rax, %dr6
6:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

sys_resume64:
	movl	$XM_STOP, sys_exc_mode(%rip)
	mov	$SEL_DS, %eax
	mov	%eax, %ss
	mov	sys_resume_esp(%rip), %rsp
	pushq	$FL_FIXED
	popfq
	jmp	*sys_resume_eip(%rip)

sys_ret0_64:
	mov	%rsp, %rsi		/* the saved GPRs */
	mov	$SEL_DS, %eax
	mov	%eax, %ss
	mov	sys_u_esp(%rip), %rsp
	pushq	$FL_FIXED
	popfq
	mov	0(%rsi), %r15
	mov	8(%rsi), %r14
	mov	16(%rsi), %r13
	mov	24(%rsi), %r12
	mov	32(%rsi), %r11
	mov	40(%rsi), %r10
	mov	48(%rsi), %r9
	mov	56(%rsi), %r8
	mov	64(%rsi), %rdi
	mov	80(%rsi), %rbp
	mov	88(%rsi), %rbx
	mov	96(%rsi), %rdx
	mov	104(%rsi), %rcx
	mov	112(%rsi), %rax
	mov	72(%rsi), %rsi
	ret

/* sys64_haserr: ZF=0 if vector EAX pushes an error code. */
sys64_haserr:
	push	%rax
	cmp	$32, %eax
	jae	1f
	bt	%eax, sys_errvec(%rip)
	setc	%al
	test	%al, %al
	pop	%rax
	ret
1:	cmp	%eax, %eax
	pop	%rax
	ret

/* sys64_putc: print AL. */
	.globl sys64_putc
sys64_putc:
	pushfq
	push	%rdx
	push	%rax
	mov	$RT_COM1+5, %dx
1:	in	%dx, %al
	test	$RT_LSR_THRE, %al
	jz	1b
	pop	%rax
	mov	$RT_COM1, %dx
	out	%al, %dx
	pop	%rdx
	popfq
	ret

/* sys64_puts: print the NUL-terminated string at RSI. */
	.globl sys64_puts
sys64_puts:
	pushfq
	push	%rsi
	push	%rax
1:	mov	(%rsi), %al
	test	%al, %al
	jz	2f
	call	sys64_putc
	inc	%rsi
	jmp	1b
2:	pop	%rax
	pop	%rsi
	popfq
	ret

/* sys64_hex: print the low ECX hex digits of RAX. */
	.globl sys64_hex
sys64_hex:
	pushfq
	push	%rax
	push	%rcx
	push	%rdx
	mov	%rax, %rdx
	mov	%ecx, %eax
	shl	$2, %eax
	mov	%eax, %ecx
	neg	%ecx
	add	$64, %ecx
	shl	%cl, %rdx		/* the wanted digits to the top */
	mov	%eax, %ecx
	shr	$2, %ecx
1:	rol	$4, %rdx
	mov	%edx, %eax
	and	$0xf, %eax
	push	%rcx
	lea	rt_hexdigits(%rip), %rcx
	movzbl	(%rcx,%rax), %eax
	pop	%rcx
	call	sys64_putc
	dec	%ecx
	jnz	1b
	pop	%rdx
	pop	%rcx
	pop	%rax
	popfq
	ret

/* sys64_report: sys_report for 64-bit mode (RIP relative to the TRY64
 * label, 16-digit addresses). All registers preserved. */
	.globl sys64_report
sys64_report:
	pushfq
	push	%rax
	push	%rcx
	movl	$XM_STOP, sys_exc_mode(%rip)
	cmpl	$0, sys_exc_count(%rip)
	jne	1f
	P64	"no exception\n"
	jmp	9f
1:	mov	$'#', %al
	call	sys64_putc
	mov	sys_exc_vec(%rip), %eax
	cmp	$32, %eax
	jae	2f
	lea	rt_exc_names(%rip), %rcx
	mov	(%rcx,%rax,2), %al
	call	sys64_putc
	mov	sys_exc_vec(%rip), %eax
	mov	1(%rcx,%rax,2), %al
	call	sys64_putc
	jmp	3f
2:	P64	"INT"
	H64	%rax, 2
3:	mov	sys_exc_vec(%rip), %eax
	call	sys64_haserr
	jz	4f
	P64	" err="
	H64	sys_exc_err(%rip), 4
4:	testb	$SH_EIP, sys_show(%rip)
	jz	5f
	P64	" rip="
	mov	sys_exc_eip(%rip), %rax
	sub	sys_exp_label(%rip), %rax
	cmp	$0x100, %rax
	jae	41f
	P64	"L+"
	H64	%rax, 2
	jmp	5f
41:	H64	sys_exc_eip(%rip)
5:	testb	$SH_CS, sys_show(%rip)
	jz	6f
	P64	" cs="
	H64	sys_exc_cs(%rip), 4
6:	testb	$SH_FL, sys_show(%rip)
	jz	7f
	P64	" fl="
	mov	sys_exc_fl(%rip), %rax
	and	sys_flmask(%rip), %eax
	H64	%rax, 8
7:	testb	$SH_STK, sys_show(%rip)
	jz	71f
	testb	$3, sys_exc_cs(%rip)
	jz	71f
	P64	" ss="
	H64	sys_exc_ss(%rip), 4
	P64	" rsp="
	H64	sys_exc_esp(%rip)
71:	testb	$SH_FRAME, sys_show(%rip)
	jz	72f
	P64	" frame=ref-"
	mov	sys_frame_ref(%rip), %rax
	sub	sys_exc_frame(%rip), %rax
	H64	%rax, 4
72:	testb	$SH_AUX, sys_show(%rip)
	jz	8f
	cmpl	$14, sys_exc_vec(%rip)
	jne	73f
	P64	" cr2="
	H64	sys_exc_cr2(%rip)
73:	cmpl	$1, sys_exc_vec(%rip)
	jne	8f
	P64	" dr6="
	H64	sys_exc_dr6(%rip), 8
8:	NL64
9:	movl	$SH_DEFAULT, sys_show(%rip)
	movl	$SYS_FLMASK, sys_flmask(%rip)
	pop	%rcx
	pop	%rax
	popfq
	ret

	.code32

	.section .rodata
	.balign 4
sys_errvec:
	.long	SYS_ERRVEC
	.balign 4
	.word	0
sys_idtr32:
	.word	256 * 8 - 1
	.long	sys_idt32
	.balign 8
	.word	0, 0, 0
sys_idtr64:
	.word	256 * 16 - 1
	.long	sys_idt64, 0

	.section .data
	.balign 8
	.globl sys_gdt
sys_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08 CS32 */
	.quad	0x00cf92000000ffff	/* 0x10 DS */
	.quad	0x00af9a000000ffff	/* 0x18 CS64 */
	.quad	0x00cf92000000ffff	/* 0x20 DS2 */
	.quad	0x00cffa000000ffff	/* 0x28 UCS32 (DPL 3) */
	.quad	0x00cff2000000ffff	/* 0x30 UDS (DPL 3) */
	.quad	0x00affa000000ffff	/* 0x38 UCS64 (DPL 3) */
	.quad	0x00009a000000ffff	/* 0x40 CS16 */
	.quad	0x000092000000ffff	/* 0x48 DS16 */
	.quad	0			/* 0x50 TSS32 (sys_init) */
	.quad	0, 0			/* 0x58 TSS64 (sys_init) */
	.fill	19, 8, 0		/* 0x68..0xf8 free */
	.balign 4
	.word	0
	.globl sys_gdtr
sys_gdtr:
	.word	SYS_GDT_LIMIT
	.long	sys_gdt

	.balign 8
	.globl sys_exc_vec, sys_exc_err, sys_exc_eip, sys_exc_cs, sys_exc_fl
	.globl sys_exc_esp, sys_exc_ss, sys_exc_hss, sys_exc_frame, sys_exc_cr2, sys_exc_dr6
	.globl sys_exc_count, sys_exc_mode, sys_exc_orfl, sys_exc_dr6clr
	.globl sys_exp_label, sys_resume_eip, sys_resume_esp, sys_show
	.globl sys_flmask, sys_frame_ref, sys_log, sys_log_n
sys_exc_err:	.quad 0
sys_exc_eip:	.quad 0
sys_exc_fl:	.quad 0
sys_exc_esp:	.quad 0
sys_exc_frame:	.quad 0
sys_exc_cr2:	.quad 0
sys_exp_label:	.quad 0
sys_resume_eip:	.quad 0
sys_resume_esp:	.quad 0
sys_frame_ref:	.quad 0
sys_u_esp:	.quad 0
sys_exc_vec:	.long 0
sys_exc_cs:	.long 0
sys_exc_ss:	.long 0
sys_exc_hss:	.long 0		/* SS in the handler */
sys_exc_dr6:	.long 0
sys_exc_count:	.long 0
sys_exc_mode:	.long 0
sys_exc_orfl:	.long 0
sys_exc_dr6clr:	.long 0
sys_show:	.long SH_DEFAULT
sys_flmask:	.long SYS_FLMASK
sys_log_n:	.long 0
	.balign 8
sys_log:	.fill 8 * 4, 4, 0	/* vector, EIP, DR6, EFLAGS per event */

	.section .bss
	.balign 4096
	.globl sys_pml4, sys_pdpt, sys_pd
sys_pml4:	.skip 4096
sys_pdpt:	.skip 4096
sys_pd:		.skip 4 * 4096
	.balign 16
	.globl sys_idt32, sys_idt64
sys_idt32:	.skip 256 * 8
sys_idt64:	.skip 256 * 16
	.balign 16
	.globl sys_tss32, sys_tss64
sys_tss32:	.skip 104 + 8192 + 16
	.balign 16
sys_tss64:	.skip 112
	.balign 16
	.globl sys_stack0, sys_stack0_top
sys_stack0:	.skip 4096
sys_stack0_top:
	.globl sys_ustack, sys_ustack_top
sys_ustack:	.skip 4096
sys_ustack_top:
	.globl sys_ist1_top, sys_ist2_top
		.skip 1024
sys_ist1_top:
		.skip 1024
sys_ist2_top:

	.text
	.code32
	.endif
