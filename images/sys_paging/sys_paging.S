/*
 * sys_paging: paging as test kernels check it, in the three paging modes.
 *
 * 32-bit paging (CR4.PSE=1): 4 KiB and 4 MiB pages; two linear pages
 * aliasing one physical page; accessed/dirty bits read back from the PTE
 * and PDE after a read and a write; #PF error codes and CR2 for
 * not-present pages (read, write, user), writes to read-only pages with
 * CR0.WP=1 and 0 (supervisor), user access to supervisor pages (U=0 in
 * the PTE or only in the PDE; ring 3 entered by IRET and by far RET),
 * the reserved bit 21 of a 4 MiB PDE (RSVD); code fetched through an
 * alias; INVLPG and a CR3 reload after a PTE change (only the result
 * after the invalidation is printed: a stale entry is allowed before).
 * PAE (CR4.PAE=1, EFER.NXE=1): 4 KiB and 2 MiB pages, A/D of a 2 MiB
 * PDE, NX (fetch faults with I/D=1, data reads work), a not-present
 * fetch (I/D=1), reserved bits (PTE bit 51, 2 MiB PDE bit 13), bit 63
 * with EFER.NXE=0 (RSVD).
 * 4-level (long mode): 1 GiB pages (alias and A/D), a high-half
 * canonical alias, a not-present fault with a 64-bit CR2, NX, reserved
 * bits (PML4E.PS, 1 GiB PDPE bit 13, PTE bit 51), ring-3 64-bit user
 * checks, INVLPG.
 *
 * Lines: the case, then the values read or the fault as lib/sys.S prints
 * it (#PF err=.. eip=L+.. cs=.. fl=.. cr2=..). PTE flags are the low 12
 * bits (P=1 W=2 U=4 A=20 D=40 PS=80).
 */
	.include "rt.S"
	.include "sys.S"

	.set MARK_A, 0xaaaa0001		/* first dword of pg_a */
	.set MARK_B, 0xbbbb0002		/* first dword of pg_b */
	.set PHYS4M, 0x400000		/* a physical 4 MiB/2 MiB page */
	.set PDE_RSVD21, 0x200000	/* 4 MiB PDE bit 21: reserved */
	.set PTE_NX_HI, 0x80000000	/* bit 63, in the high dword */
	.set PTE_B51_HI, 0x00080000	/* bit 51, in the high dword */

	.macro CASE name:req
	PUTS	"\name: "
	.endm
	.macro FL val:req
	pushl	$\val
	popfl
	.endm
	.macro FL64 val:req
	pushq	$\val
	popfq
	.endm
	.macro CASE64 name:req
	P64	"\name: "
	.endm
	/* VAL "name", src: print " name=XXXXXXXX" (src: no ESP-relative). */
	.macro VAL name:req, src:req
	PUTS	" \name="
	HEX32	\src
	.endm
	.macro VAL64 name:req, src:req, digits=16
	P64	" \name="
	H64	\src, \digits
	.endm

	.text
	.code32
main:
	call	sys_init
	PUTS	"sys_paging: 32-bit paging, PAE, 4-level\n"
	movl	$MARK_A, pg_a
	movl	$MARK_B, pg_b
	/* pg_c: mov $0x1234abcd, %eax; ret */
	movl	$0x34abcdb8, pg_c
	movl	$0x0000c312, pg_c+4
	call	paging32
	call	paging_pae
	call	paging_long
	PUTS	"sys_paging: done\n"
	xor	%eax, %eax
	ret

/* paging_off: CR0.PG=0, CR4.PAE=0, EFER.NXE=0. */
paging_off:
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	%cr4, %eax
	and	$~CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_NXE, %eax
	wrmsr
	ret

/* ---------------------------------------------------------------- */
paging32:
	/* PD: 0-4M by pt32_0 (4K pages), 4-8M one 4M page, test mappings. */
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$12, %eax
	or	$PTE_P|PTE_W|PTE_U, %eax
	mov	%eax, pt32_0(,%ecx,4)
	inc	%ecx
	cmp	$1024, %ecx
	jb	1b
	movl	$pt32_0+PTE_P+PTE_W+PTE_U, pd32+0*4
	movl	$PHYS4M+PTE_P+PTE_W+PTE_U+PTE_PS, pd32+1*4
	movl	$pt32_t+PTE_P+PTE_W+PTE_U, pd32+0x100*4		/* 40000000 */
	movl	$pt32_t+PTE_P+PTE_W, pd32+0x101*4		/* 40400000, U=0 */
	movl	$PHYS4M+PTE_P+PTE_W+PTE_U+PTE_PS, pd32+0x200*4	/* 80000000 */
	movl	$PHYS4M+PDE_RSVD21+PTE_P+PTE_W+PTE_PS, pd32+0x201*4 /* 80400000 */
	movl	$PHYS4M+PTE_P+PTE_U+PTE_PS, pd32+0x202*4	/* 80800000, R/O */
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt32_t+0*4
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt32_t+1*4
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt32_t+2*4
	movl	$0, pt32_t+3*4
	movl	$pg_b+PTE_P+PTE_U, pt32_t+4*4			/* user, R/O */
	movl	$pg_b+PTE_P+PTE_W, pt32_t+5*4			/* supervisor */
	movl	$pg_c+PTE_P+PTE_W+PTE_U, pt32_t+6*4
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt32_t+7*4
	mov	$pd32, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$CR4_PSE, %eax
	mov	%eax, %cr4
	mov	%cr0, %eax
	or	$CR0_PG|CR0_WP, %eax
	mov	%eax, %cr0

	CASE	"pg32 alias 40000010/40001010 -> pg_a"
	movl	$0x11223344, 0x40000010
	VAL	"40001010", 0x40001010
	VAL	"phys", pg_a+0x10
	NL
	CASE	"pg32 4M alias 80001230 -> 401230"
	movl	$0xcafebabe, PHYS4M+0x1230
	VAL	"80001230", 0x80001230
	movl	$0x5eed5eed, 0x80001234
	VAL	"phys+4", PHYS4M+0x1234
	NL

	CASE	"pg32 4K A/D"
	andl	$~(PTE_A|PTE_D), pt32_t+2*4
	andl	$~PTE_A, pd32+0x100*4
	mov	%cr3, %eax
	mov	%eax, %cr3
	call	pte2
	mov	0x40002000, %eax
	PUTS	" read:"
	call	pte2
	movl	$1, 0x40002004
	PUTS	" write:"
	call	pte2
	NL

	CASE	"pg32 4M A/D"
	andl	$~(PTE_A|PTE_D), pd32+0x200*4
	mov	%cr3, %eax
	mov	%eax, %cr3
	VAL	"pde", pd32+0x200*4
	mov	0x80000000, %eax
	VAL	"read", pd32+0x200*4
	movl	$2, 0x80000008
	VAL	"write", pd32+0x200*4
	NL

	CASE	"pg32 #PF read not-present"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x40003008, %eax
2:	call	sys_report
	CASE	"pg32 #PF write not-present"
	TRY	1f, 2f
	FL	0x002
1:	movl	$3, 0x40003ffc
2:	call	sys_report

	CASE	"pg32 #PF write R/O PTE, WP=1"
	TRY	1f, 2f
	FL	0x002
1:	movl	$4, 0x40004010
2:	call	sys_report
	CASE	"pg32 #PF write R/O 4M PDE, WP=1"
	TRY	1f, 2f
	FL	0x002
1:	movl	$4, 0x80800010
2:	call	sys_report
	mov	%cr0, %eax
	and	$~CR0_WP, %eax
	mov	%eax, %cr0
	CASE	"pg32 write R/O PTE, WP=0"
	TRY	1f, 2f
1:	movl	$5, 0x40004010
2:	call	sys_report
	CASE	"  reads back"
	HEX32	pg_b+0x10
	NL
	CASE	"pg32 write R/O 4M PDE, WP=0"
	TRY	1f, 2f
1:	movl	$6, 0x80800010
2:	call	sys_report
	mov	%cr0, %eax
	or	$CR0_WP, %eax
	mov	%eax, %cr0

	CASE	"pg32 #PF reserved bit 21 in a 4M PDE"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x80400000, %eax
2:	call	sys_report

	/* Ring 3. */
	CASE	"pg32 ring 3 read user page"
	TRY	u32_rd_user, 2f
	mov	$u32_rd_user, %eax
	mov	$0x0002, %edx
	call	sys_user32
	HEX32	%eax
	PUTS	" "
2:	call	sys_report
	CASE	"pg32 #PF ring 3 read supervisor PTE"
	TRY	u32_rd_sup, 2f
	mov	$u32_rd_sup, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"pg32 #PF ring 3 read, U=0 only in the PDE"
	TRY	u32_rd_suppde, 2f
	mov	$u32_rd_suppde, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"pg32 #PF ring 3 write R/O user page"
	TRY	u32_wr_ro, 2f
	mov	$u32_wr_ro, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"pg32 #PF ring 3 (lret) read not-present"
	TRY	u32_rd_np, 2f
	mov	$u32_rd_np, %eax
	FL	0x0002
	call	sys_user32_retf
2:	call	sys_report
	CASE	"pg32 #PF ring 3 write R/O user page, WP=0"
	mov	%cr0, %eax
	and	$~CR0_WP, %eax
	mov	%eax, %cr0
	TRY	u32_wr_ro, 2f
	mov	$u32_wr_ro, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	mov	%cr0, %eax
	or	$CR0_WP, %eax
	mov	%eax, %cr0

	CASE	"pg32 fetch through alias 40006000 -> pg_c"
	mov	$0x40006000, %ebx
	xor	%eax, %eax
	call	*%ebx
	HEX32	%eax
	NL

	/* TLB: after INVLPG or a CR3 reload the new PTE is used. */
	CASE	"pg32 TLB"
	VAL	"40007000", 0x40007000
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt32_t+7*4
	invlpg	0x40007000
	VAL	"after invlpg", 0x40007000
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt32_t+7*4
	mov	%cr3, %eax
	mov	%eax, %cr3
	VAL	"after cr3 reload", 0x40007000
	movl	$0, pt32_t+7*4
	invlpg	0x40007000
	NL
	CASE	"pg32 #PF after invlpg of a cleared PTE"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x40007000, %eax
2:	call	sys_report

	call	paging_off
	mov	%cr4, %eax
	and	$~CR4_PSE, %eax
	mov	%eax, %cr4
	ret

/* pte2: print PTE 2 and PDE 100h flags of 32-bit paging. */
pte2:
	push	%eax
	PUTS	" pte="
	mov	pt32_t+2*4, %eax
	and	$0xfff, %eax
	HEX16	%ax
	PUTS	" pde="
	mov	pd32+0x100*4, %eax
	and	$0x027, %eax			/* P W U A (D is ignored in a PDE) */
	HEX16	%ax
	pop	%eax
	ret

/* Ring-3 code for the 32-bit paging modes (result in EAX). */
u32_rd_user:
	mov	0x40000010, %eax
	int	$SYS_VEC_RET0
u32_rd_sup:
	mov	0x40005000, %eax
	int	$SYS_VEC_RET0
u32_rd_suppde:
	mov	0x40400010, %eax
	int	$SYS_VEC_RET0
u32_wr_ro:
	movl	$7, 0x40004020
	int	$SYS_VEC_RET0
u32_rd_np:
	mov	0x40003000, %eax
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
paging_pae:
	/* PDPT: [0] 0-1G (2M identity pages), [1] 1-2G test mappings. */
	movl	$pd_pae0+PTE_P, pdpt_pae+0*8
	movl	$pd_pae1+PTE_P, pdpt_pae+1*8
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P|PTE_W|PTE_U|PTE_PS, %eax
	mov	%eax, pd_pae0(,%ecx,8)
	movl	$0, pd_pae0+4(,%ecx,8)
	inc	%ecx
	cmp	$512, %ecx
	jb	1b
	movl	$pt_pae+PTE_P+PTE_W+PTE_U, pd_pae1+0*8		/* 40000000 */
	movl	$PHYS4M+PTE_P+PTE_W+PTE_U+PTE_PS, pd_pae1+1*8	/* 40200000 */
	movl	$PHYS4M+0x2000+PTE_P+PTE_W+PTE_PS, pd_pae1+2*8	/* 40400000, bit 13 */
	movl	$PHYS4M+PTE_P+PTE_W+PTE_U+PTE_PS, pd_pae1+3*8	/* 40600000, NX */
	movl	$PTE_NX_HI, pd_pae1+3*8+4
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt_pae+0*8
	movl	$pg_c+PTE_P+PTE_W+PTE_U, pt_pae+1*8		/* NX */
	movl	$PTE_NX_HI, pt_pae+1*8+4
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt_pae+2*8		/* bit 51 */
	movl	$PTE_B51_HI, pt_pae+2*8+4
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt_pae+3*8		/* bit 63 */
	movl	$PTE_NX_HI, pt_pae+3*8+4
	movl	$0, pt_pae+4*8
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt_pae+5*8
	movb	$0xc3, PHYS4M+0x100				/* ret */
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_NXE, %eax
	wrmsr
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pdpt_pae, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG|CR0_WP, %eax
	mov	%eax, %cr0

	CASE	"pae 4K 40000010 -> pg_a"
	VAL	"read", 0x40000010
	NL
	CASE	"pae 2M alias 40201230 -> 401230"
	VAL	"read", 0x40201230
	NL
	CASE	"pae 4K A/D"
	andl	$~(PTE_A|PTE_D), pt_pae+5*8
	invlpg	0x40005000
	call	pte5
	mov	0x40005000, %eax
	PUTS	" read:"
	call	pte5
	movl	$1, 0x40005008
	PUTS	" write:"
	call	pte5
	NL
	CASE	"pae 2M A/D"
	andl	$~(PTE_A|PTE_D), pd_pae1+1*8
	invlpg	0x40200000
	VAL	"pde", pd_pae1+1*8
	mov	0x40200000, %eax
	VAL	"read", pd_pae1+1*8
	movl	$1, 0x40200010
	VAL	"write", pd_pae1+1*8
	NL

	CASE	"pae #PF fetch from an NX page"
	TRY	0x40001000, 2f
	mov	$0x40001000, %ebx
	FL	0x002
	call	*%ebx
2:	call	sys_report
	CASE	"pae data read of the NX page"
	VAL	"read", 0x40001000
	NL
	CASE	"pae #PF fetch from an NX 2M page"
	TRY	0x40600100, 2f
	mov	$0x40600100, %ebx
	FL	0x002
	call	*%ebx
2:	call	sys_report
	CASE	"pae fetch after clearing NX"
	movl	$0, pt_pae+1*8+4
	invlpg	0x40001000
	mov	$0x40001000, %ebx
	xor	%eax, %eax
	call	*%ebx
	HEX32	%eax
	NL
	CASE	"pae #PF fetch from a not-present page"
	TRY	0x40004000, 2f
	mov	$0x40004000, %ebx
	FL	0x002
	call	*%ebx
2:	call	sys_report
	CASE	"pae #PF read, PTE bit 51 set"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x40002000, %eax
2:	call	sys_report
	CASE	"pae #PF write, PTE bit 51 set"
	TRY	1f, 2f
	FL	0x002
1:	movl	$1, 0x40002000
2:	call	sys_report
	CASE	"pae #PF read, 2M PDE bit 13 set"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x40400000, %eax
2:	call	sys_report
	CASE	"pae read, PTE bit 63 with NXE=1"
	TRY	1f, 2f
1:	mov	0x40003000, %eax
2:	call	sys_report
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_NXE, %eax
	wrmsr
	invlpg	0x40003000
	CASE	"pae #PF read, PTE bit 63 with NXE=0"
	TRY	1f, 2f
	FL	0x002
1:	mov	0x40003000, %eax
2:	call	sys_report
	CASE	"pae #PF ring 3 read, PTE bit 63 with NXE=0"
	TRY	u32_rd_nx, 2f
	mov	$u32_rd_nx, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report

	call	paging_off
	ret

/* pte5: print the flags of PAE PTE 5 (high dword, low 12 bits). */
pte5:
	push	%eax
	PUTS	" pte="
	mov	pt_pae+5*8+4, %eax
	HEX32	%eax
	PUTS	":"
	mov	pt_pae+5*8, %eax
	and	$0xfff, %eax
	HEX16	%ax
	pop	%eax
	ret

u32_rd_nx:
	mov	0x40003000, %eax
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
paging_long:
	/* PML4: [0] 0-512G, [1] PS=1 (reserved), [100h] high half, [1ffh] 0. */
	movl	$pdpt_lm+PTE_P+PTE_W+PTE_U, pml4_lm+0*8
	movl	$pdpt_lm+PTE_P+PTE_W+PTE_U+PTE_PS, pml4_lm+1*8
	movl	$pdpt_hi+PTE_P+PTE_W+PTE_U, pml4_lm+0x100*8
	movl	$0, pml4_lm+0x1ff*8
	/* PDPT: [0] 1G identity, [1] 1G alias of 0, [2] -> PD, [3] bit 13. */
	movl	$PTE_P+PTE_W+PTE_U+PTE_PS, pdpt_lm+0*8
	movl	$PTE_P+PTE_W+PTE_U+PTE_PS, pdpt_lm+1*8
	movl	$pd_lm+PTE_P+PTE_W+PTE_U, pdpt_lm+2*8
	movl	$0x2000+PTE_P+PTE_W+PTE_PS, pdpt_lm+3*8
	movl	$PTE_P+PTE_W+PTE_U+PTE_PS, pdpt_hi+0*8
	movl	$pt_lm+PTE_P+PTE_W+PTE_U, pd_lm+0*8
	/* PT at 80000000: [0] pg_a, [1] pg_c NX, [2] pg_b supervisor,
	 * [3] pg_b bit 51, [4] pg_b user R/O. */
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt_lm+0*8
	movl	$pg_c+PTE_P+PTE_W+PTE_U, pt_lm+1*8
	movl	$PTE_NX_HI, pt_lm+1*8+4
	movl	$pg_b+PTE_P+PTE_W, pt_lm+2*8
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt_lm+3*8
	movl	$PTE_B51_HI, pt_lm+3*8+4
	movl	$pg_b+PTE_P+PTE_U, pt_lm+4*8
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_NXE, %eax
	wrmsr
	TO_LONG
	mov	$pml4_lm, %eax
	mov	%rax, %cr3
	mov	%cr0, %rax
	or	$CR0_WP, %eax
	mov	%rax, %cr0

	CASE64	"4l 1G alias 40000000+pg_a+10"
	mov	$pg_a+0x40000010, %eax
	mov	(%rax), %eax
	VAL64	"read", %rax, 8
	NL64
	CASE64	"4l high-half alias ffff800000000000+pg_a+10"
	movabs	$0xffff800000000000, %rax
	mov	$pg_a+0x10, %ecx
	mov	(%rax,%rcx), %eax
	VAL64	"read", %rax, 8
	NL64
	CASE64	"4l 1G A/D"
	andl	$~(PTE_A|PTE_D), pdpt_lm+1*8(%rip)
	mov	$0x40000000, %eax
	invlpg	(%rax)
	VAL64	"pdpe", pdpt_lm+1*8(%rip), 8
	mov	$pg_b+0x40000000, %eax
	mov	(%rax), %ecx
	VAL64	"read", pdpt_lm+1*8(%rip), 8
	movl	$MARK_B, (%rax)
	VAL64	"write", pdpt_lm+1*8(%rip), 8
	NL64

	CASE64	"4l #PF read not-present, 64-bit CR2"
	TRY64	1f, 2f
	movabs	$0xffffff8000001234, %rbx
	FL64	0x002
1:	mov	(%rbx), %eax
2:	call	sys64_report
	CASE64	"4l #PF fetch from an NX page"
	TRY64	0x80001000, 2f
	mov	$0x80001000, %ebx
	FL64	0x002
	call	*%rbx
2:	call	sys64_report
	CASE64	"4l fetch after clearing NX"
	movl	$0, pt_lm+1*8+4(%rip)
	mov	$0x80001000, %ebx
	invlpg	(%rbx)
	xor	%eax, %eax
	call	*%rbx
	VAL64	"eax", %rax, 8
	NL64
	CASE64	"4l #PF read, PML4E.PS set"
	TRY64	1f, 2f
	movabs	$0x0000008000000000, %rbx
	FL64	0x002
1:	mov	(%rbx), %eax
2:	call	sys64_report
	CASE64	"4l #PF read, 1G PDPE bit 13 set"
	TRY64	1f, 2f
	mov	$0xc0000000, %ebx
	FL64	0x002
1:	mov	(%rbx), %eax
2:	call	sys64_report
	CASE64	"4l #PF read, PTE bit 51 set"
	TRY64	1f, 2f
	mov	$0x80003000, %ebx
	FL64	0x002
1:	mov	(%rbx), %eax
2:	call	sys64_report
	CASE64	"4l #PF write, PTE bit 51 set"
	TRY64	1f, 2f
	mov	$0x80003000, %ebx
	FL64	0x002
1:	movl	$1, (%rbx)
2:	call	sys64_report

	CASE64	"4l ring 3 read user page"
	TRY64	u64_rd_user, 2f
	mov	$u64_rd_user, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
	H64	%rax, 8
	SP64
2:	call	sys64_report
	CASE64	"4l #PF ring 3 read supervisor page"
	TRY64	u64_rd_sup_at, 2f
	mov	$u64_rd_sup, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
2:	call	sys64_report
	CASE64	"4l #PF ring 3 write R/O user page"
	TRY64	u64_wr_ro_at, 2f
	mov	$u64_wr_ro, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
2:	call	sys64_report
	CASE64	"4l #PF compat-mode ring 3 read supervisor page"
	TRY64	u32_rd_sup64_at, 2f
	mov	$u32_rd_sup64, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS32|3, %ecx
	call	sys_user64
2:	call	sys64_report

	CASE64	"4l TLB"
	mov	$0x80000000, %ebx
	VAL64	"80000000", (%rbx), 8
	movl	$pg_b+PTE_P+PTE_W+PTE_U, pt_lm+0*8(%rip)
	invlpg	(%rbx)
	VAL64	"after invlpg", (%rbx), 8
	movl	$pg_a+PTE_P+PTE_W+PTE_U, pt_lm+0*8(%rip)
	mov	%cr3, %rax
	mov	%rax, %cr3
	VAL64	"after cr3 reload", (%rbx), 8
	NL64

	TO_LEGACY
	mov	%cr0, %eax
	and	$~CR0_WP, %eax
	mov	%eax, %cr0
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_NXE, %eax
	wrmsr
	ret

	.code64
u64_rd_user:
	mov	$0x80000010, %eax
	mov	(%rax), %eax
	int	$SYS_VEC_RET0
u64_rd_sup:
	mov	$0x80002000, %eax
u64_rd_sup_at:
	mov	(%rax), %eax
	int	$SYS_VEC_RET0
u64_wr_ro:
	mov	$0x80004000, %eax
u64_wr_ro_at:
	movl	$1, (%rax)
	int	$SYS_VEC_RET0
	.code32
u32_rd_sup64:				/* compat mode: IRETQ nulled DS */
	mov	$SEL_UDS|3, %eax
	mov	%eax, %ds
u32_rd_sup64_at:
	mov	0x80002000, %eax
	int	$SYS_VEC_RET0


	.section .bss
	.balign 4096
pd32:		.skip 4096
pt32_0:		.skip 4096
pt32_t:		.skip 4096
pdpt_pae:	.skip 4096
pd_pae0:	.skip 4096
pd_pae1:	.skip 4096
pt_pae:		.skip 4096
pml4_lm:	.skip 4096
pdpt_lm:	.skip 4096
pdpt_hi:	.skip 4096
pd_lm:		.skip 4096
pt_lm:		.skip 4096
pg_a:		.skip 4096
pg_b:		.skip 4096
pg_c:		.skip 4096
	.text
