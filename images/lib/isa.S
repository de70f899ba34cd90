/*
 * isa.S: the table-driven case driver of the ISA test images. .include it
 * after rt.S.
 *
 * A test is a "stub" (the instruction under test with a little setup) plus
 * tables of inputs. The CASES macro runs the stub once per combination of
 * inputs and prints one line per run:
 *
 *	NAME [A] [B] [C] fi=FFFF -> [EAX] [EBX] [ECX] fo=FFFF
 *
 * A, B and C are the inputs (printed at their width), fi the status flags
 * the stub starts with, then the outputs the test asked for, and fo the
 * RFLAGS after the instruction masked to the flags the AMD APM defines for
 * it (so that flags the APM leaves undefined never make two CPUs disagree).
 *
 * Stub contract. On entry:
 *	EAX = A, EBX = B, ECX = C; for widths below 32 bits the unused upper
 *	      bits are filled with a pattern (A: a5, B: 3c, C: c3 bytes when
 *	      opts has OPT_FILLC), so writes to the wrong part of a register
 *	      show;
 *	EDX = the RFLAGS to start with (fi);
 *	EDI = isa_cell, 16 bytes of scratch memory filled with 0xc3;
 *	ESI = EBP = 0x5eb05eb0 (so a stray use is visible).
 * The stub loads EDX into RFLAGS (FLAGS_IN) right before the instruction,
 * saves RFLAGS into EDX (FLAGS_OUT) right after it and returns (RET) with
 * its outputs in EAX, EBX, ECX. It may clobber everything except ESP.
 *
 * Tables are count-prefixed lists of 32-bit values: "t: .long 3, x, y, z".
 * A missing table (0) means one run with the value 0, not printed.
 *
 * Every parameter block's address is also listed, in program order, in the
 * section .isa_cases, so that a tool can replay the cases elsewhere (see
 * oracle/hostcheck, which runs them on the host CPU).
 */
	.set OPT_FROT, 1	/* cycle through the fi table instead of a product */
	.set OPT_OUTB, 2	/* print EBX after the stub */
	.set OPT_OUTC, 4	/* print ECX after the stub */
	.set OPT_NOA, 8		/* do not print EAX after the stub */
	.set OPT_FILLC, 16	/* fill the unused upper bits of C */
	.set OPT_ZIP, 32	/* walk a, b, c in lock step (all of a's length) */

	.set ISA_FILL_A, 0xa5a5a5a5
	.set ISA_FILL_B, 0x3c3c3c3c
	.set ISA_FILL_C, 0xc3c3c3c3
	.set ISA_FILL_CELL, 0xc3c3c3c3

	.macro FLAGS_IN
	push %edx
	popfl
	.endm
	.macro FLAGS_OUT
	pushfl
	pop %edx
	.endm

/*
 * CASES name, stub, w, mask, a, b, c, f, opts, cw, rw:
 *	w	width in bytes of A and B (1, 2, 4)
 *	mask	the flags printed in fo
 *	a, b, c	input tables (0: none)
 *	f	table of starting RFLAGS values
 *	cw	width of C; rw	width of the printed EAX output
 */
	.macro CASES name:req, stub:req, w=4, mask=FL_STATUS, a=0, b=0, c=0, f=isa_fi0, opts=0, cw=1, rw=4
	.pushsection .rodata
	.balign 4
.Lcases_p\@:
	.long .Lcases_n\@, \stub, \w, \mask, \a, \b, \c, \f, \opts, \cw, \rw
.Lcases_n\@:
	.asciz "\name"
	.popsection
	.pushsection .isa_cases, "a"	/* the list of all cases, for tools */
	.long .Lcases_p\@
	.popsection
	push %esi
	mov $.Lcases_p\@, %esi
	call isa_run_cases
	pop %esi
	.endm

	/* Offsets in the parameter block. */
	.set P_NAME, 0
	.set P_STUB, 4
	.set P_W, 8
	.set P_MASK, 12
	.set P_A, 16
	.set P_B, 20
	.set P_C, 24
	.set P_F, 28
	.set P_OPTS, 32
	.set P_CW, 36
	.set P_RW, 40

/* isa_count: EAX = table -> EAX = number of runs it gives (1 if none). */
isa_count:
	test %eax, %eax
	jz 1f
	mov (%eax), %eax
	ret
1:	mov $1, %eax
	ret

/* isa_val: EAX = table, ECX = index -> EAX = value (0 if no table). */
isa_val:
	test %eax, %eax
	jz 1f
	mov 4(%eax,%ecx,4), %eax
	ret
1:	ret

/* isa_fill: EAX = value, ECX = width, EDX = pattern -> EAX filled. */
isa_fill:
	cmp $4, %ecx
	je 1f
	push %ebx
	mov $0xff, %ebx
	cmp $1, %ecx
	je 2f
	mov $0xffff, %ebx
2:	and %ebx, %eax
	not %ebx
	and %ebx, %edx
	or %edx, %eax
	pop %ebx
1:	ret

/* isa_hexw: print EAX with ECX bytes of width. */
	.globl isa_hexw
isa_hexw:
	cmp $1, %ecx
	jne 1f
	jmp rt_hex8
1:	cmp $2, %ecx
	jne 2f
	jmp rt_hex16
2:	jmp rt_hex32

isa_run_cases:
	pushal
	mov %esi, isa_p
	mov P_A(%esi), %eax
	call isa_count
	mov %eax, isa_na
	mov P_B(%esi), %eax
	call isa_count
	mov %eax, isa_nb
	mov P_C(%esi), %eax
	call isa_count
	mov %eax, isa_nc
	testl $OPT_ZIP, P_OPTS(%esi)
	jz 1f
	movl $1, isa_nb
	movl $1, isa_nc
1:	mov P_F(%esi), %eax
	call isa_count
	mov %eax, isa_nfall
	testl $OPT_FROT, P_OPTS(%esi)
	jz 1f
	mov $1, %eax
1:	mov %eax, isa_nf
	movl $0, isa_fr
	movl $0, isa_ia
.Lra:	movl $0, isa_ib
.Lrb:	movl $0, isa_ic
.Lrc:	movl $0, isa_if
.Lrf:	mov isa_p, %esi
	/* starting flags */
	mov isa_if, %ecx
	testl $OPT_FROT, P_OPTS(%esi)
	jz 1f
	mov isa_fr, %ecx		/* k mod (size of the fi table) */
1:	mov P_F(%esi), %eax
	call isa_val
	mov %eax, isa_fi
	/* inputs */
	mov isa_ia, %ecx
	mov P_A(%esi), %eax
	call isa_val
	mov %eax, isa_a
	mov isa_ib, %ecx
	testl $OPT_ZIP, P_OPTS(%esi)
	jz 1f
	mov isa_ia, %ecx
1:	mov P_B(%esi), %eax
	call isa_val
	mov %eax, isa_b
	mov isa_ic, %ecx
	testl $OPT_ZIP, P_OPTS(%esi)
	jz 1f
	mov isa_ia, %ecx
1:	mov P_C(%esi), %eax
	call isa_val
	mov %eax, isa_c
	/* fill the scratch cell */
	movl $ISA_FILL_CELL, isa_cell
	movl $ISA_FILL_CELL, isa_cell+4
	movl $ISA_FILL_CELL, isa_cell+8
	movl $ISA_FILL_CELL, isa_cell+12
	/* registers for the stub */
	mov isa_c, %eax
	testl $OPT_FILLC, P_OPTS(%esi)
	jz 1f
	mov P_CW(%esi), %ecx
	mov $ISA_FILL_C, %edx
	call isa_fill
1:	push %eax			/* C */
	mov isa_b, %eax
	mov P_W(%esi), %ecx
	mov $ISA_FILL_B, %edx
	call isa_fill
	push %eax			/* B */
	mov isa_a, %eax
	mov P_W(%esi), %ecx
	mov $ISA_FILL_A, %edx
	call isa_fill
	mov P_STUB(%esi), %edx
	mov %edx, isa_stub
	pop %ebx
	pop %ecx
	mov isa_fi, %edx
	mov $isa_cell, %edi
	mov $0x5eb05eb0, %esi
	mov %esi, %ebp
	call *isa_stub
	mov %eax, isa_oa
	mov %ebx, isa_ob
	mov %ecx, isa_oc
	mov %edx, isa_of
	/* print the line */
	mov isa_p, %ebx
	mov P_NAME(%ebx), %esi
	call rt_puts
	cmpl $0, P_A(%ebx)
	je 1f
	SP
	mov isa_a, %eax
	mov P_W(%ebx), %ecx
	call isa_hexw
1:	cmpl $0, P_B(%ebx)
	je 1f
	SP
	mov isa_b, %eax
	mov P_W(%ebx), %ecx
	call isa_hexw
1:	cmpl $0, P_C(%ebx)
	je 1f
	SP
	mov isa_c, %eax
	mov P_CW(%ebx), %ecx
	call isa_hexw
1:	PUTS " fi="
	mov isa_fi, %eax
	and $FL_STATUS, %eax
	call rt_hex16
	PUTS " ->"
	testl $OPT_NOA, P_OPTS(%ebx)
	jnz 1f
	SP
	mov isa_oa, %eax
	mov P_RW(%ebx), %ecx
	call isa_hexw
1:	testl $OPT_OUTB, P_OPTS(%ebx)
	jz 1f
	SP
	HEX32 isa_ob
1:	testl $OPT_OUTC, P_OPTS(%ebx)
	jz 1f
	SP
	HEX32 isa_oc
1:	PUTS " fo="
	mov isa_of, %eax
	and P_MASK(%ebx), %eax
	call rt_hex16
	NL
	/* next */
	incl isa_fr
	mov isa_fr, %eax
	cmp isa_nfall, %eax
	jb 1f
	movl $0, isa_fr
1:	incl isa_if
	mov isa_if, %eax
	cmp isa_nf, %eax
	jb .Lrf
	incl isa_ic
	mov isa_ic, %eax
	cmp isa_nc, %eax
	jb .Lrc
	incl isa_ib
	mov isa_ib, %eax
	cmp isa_nb, %eax
	jb .Lrb
	incl isa_ia
	mov isa_ia, %eax
	cmp isa_na, %eax
	jb .Lra
	popal
	ret

	.section .rodata
	.balign 4
	/* Starting flags: all status flags clear; all set; CF only. */
isa_fi0:	.long 1, FL_FIXED
isa_fi2:	.long 2, FL_FIXED, FL_FIXED|FL_STATUS
isa_ficf:	.long 2, FL_FIXED, FL_FIXED|FL_CF

	.section .data
	.balign 16
	.globl isa_cell
isa_cell:	.skip 16
isa_p:		.long 0
isa_stub:	.long 0
isa_na:		.long 0
isa_nb:		.long 0
isa_nc:		.long 0
isa_nf:		.long 0
isa_nfall:	.long 0
isa_fr:		.long 0
isa_ia:		.long 0
isa_ib:		.long 0
isa_ic:		.long 0
isa_if:		.long 0
isa_a:		.long 0
isa_b:		.long 0
isa_c:		.long 0
isa_fi:		.long 0
isa_oa:		.long 0
isa_ob:		.long 0
isa_oc:		.long 0
isa_of:		.long 0

	.text
