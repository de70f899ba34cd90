/*
 * sys_misc: system instructions test kernels use, one line per check.
 *
 * 32-bit protected mode:
 *  - SGDT/SIDT/SLDT/STR (also at CPL 3), LLDT and a segment from the LDT,
 *    SMSW/LMSW (LMSW sets PE/MP/EM/TS only and cannot clear PE), CLTS;
 *  - MOV to/from DR0-3, DR6/DR7 fixed bits, DR4/DR5 aliasing DR6/DR7 with
 *    CR4.DE=0 and #UD with CR4.DE=1; WBINVD/INVD;
 *  - RDTSC ("increases" only), RDTSCP with TSC_AUX, CR4.TSD at CPL 3;
 *  - CPUID: the vendor and the feature bits the images rely on (the
 *    models otherwise differ by design);
 *  - x87 control: FNINIT/FNSTSW/FNSTCW/FLDCW/FNCLEX;
 *  - LAR/LSL/VERR/VERW over code, data, system, conforming, null,
 *    out-of-range and LDT selectors at CPL 0 and CPL 3, and the accessed
 *    bit set by a segment load;
 *  - CPL 3: #GP for privileged instructions; IN/OUT through the TSS I/O
 *    bitmap (port 80h allowed and reading all-ones, 84h denied), IOPL=3
 *    overriding it, the bitmap beyond the TSS limit; POPF not changing IF
 *    and IOPL;
 *  - SYSENTER/SYSEXIT and the legacy (AMD) SYSCALL/SYSRET.
 * Long mode: SYSCALL/SYSRET 64-bit (STAR, LSTAR, SFMASK, RCX/R11) and to
 * compatibility mode, SYSCALL from compatibility mode (CSTAR), #UD/#GP
 * cases; SWAPGS (and #UD outside 64-bit mode, #GP at CPL 3); FS/GS base
 * through the MSRs and through segment loads, non-canonical bases;
 * SGDT in 64-bit mode; RDTSCP zero-extension; DR7 upper half.
 * Interrupts (local APIC self-IPI, vector 40h, raised while IF=0): taken
 * after the instruction that follows STI (the STI shadow), not at all for
 * STI; CLI, right after a POPF that sets IF (no shadow), and as the wake-up
 * of STI; HLT.
 *
 * Faults print as lib/sys.S does (#GP err=.. eip=L+.. cs=..).
 */
	.include "rt.S"
	.include "sys.S"

	.set SEL_LDT, 0x68	/* LDT descriptor */
	.set SEL_XCODE, 0x70	/* execute-only code, DPL 0 */
	.set SEL_RODATA, 0x78	/* read-only data, DPL 0 */
	.set SEL_CONF, 0x80	/* conforming readable code, DPL 0 */
	.set SEL_FRESH, 0x88	/* data, accessed bit clear */
	.set SEL_FSB, 0x90	/* data, base fsbuf2 */
	.set LDT_SEL, 0x000f	/* LDT entry 1 (data, DPL 3), RPL 3 */
	.set PORT_OK, 0x80	/* unused port, allowed in the bitmap */
	.set PORT_DENY, 0x84	/* unused port, denied in the bitmap */

	.macro CASE name:req
	PUTS	"\name: "
	.endm
	.macro CASE64 name:req
	P64	"\name: "
	.endm
	.macro VAL name:req, src:req
	PUTS	" \name="
	HEX32	\src
	.endm
	.macro VAL16 name:req, src:req
	PUTS	" \name="
	HEX16	\src
	.endm
	.macro VAL64 name:req, src:req, digits=16
	P64	" \name="
	H64	\src, \digits
	.endm
	.macro FL val:req
	pushl	$\val
	popfl
	.endm
	.macro FL64 val:req
	pushq	$\val
	popfq
	.endm
	/* USER label: run ring-3 code at label (EFLAGS 2) under TRY label. */
	.macro USER code:req, at:req, fl=0x0002
	TRY	\at, .Luser\@
	mov	$\code, %eax
	mov	$\fl, %edx
	call	sys_user32
.Luser\@:
	call	sys_report
	.endm
	.macro USER64 code:req, at:req, fl=0x0002, cs=SEL_UCS64|3
	TRY64	\at, .Luser\@
	mov	$\code, %eax
	mov	$\fl, %edx
	mov	$\cs, %ecx
	call	sys_user64
.Luser\@:
	call	sys64_report
	.endm

	.text
	.code32
main:
	call	sys_init
	PUTS	"sys_misc: system instructions\n"
	mov	$SEL_LDT, %ecx
	mov	$ldt_tab, %eax
	mov	$0x17, %ebx
	mov	$0x0082, %edx
	call	sys_setdesc
	mov	$SEL_XCODE, %ecx
	xor	%eax, %eax
	mov	$0xfffff, %ebx
	mov	$0xc098, %edx
	call	sys_setdesc
	mov	$SEL_RODATA, %ecx
	mov	$0xc090, %edx
	call	sys_setdesc
	mov	$SEL_CONF, %ecx
	mov	$0xc09e, %edx
	call	sys_setdesc
	mov	$SEL_FRESH, %ecx
	mov	$0xc092, %edx
	call	sys_setdesc
	mov	$SEL_FSB, %ecx
	mov	$fsbuf2, %eax
	mov	$0xfff, %ebx
	mov	$0x4092, %edx
	call	sys_setdesc
	/* LDT entry 1: data, DPL 3, base ldt_data, limit 0xfff. */
	mov	$ldt_data, %eax
	movw	$0x0fff, ldt_tab+8
	movw	%ax, ldt_tab+10
	shr	$16, %eax
	movb	%al, ldt_tab+12
	movb	$0xf2, ldt_tab+13
	movb	$0x40, ldt_tab+14
	movb	%ah, ldt_tab+15
	movl	$0x1da7a1d7, ldt_data

	call	tables
	call	control
	call	debugregs
	call	timestamp
	call	cpuid_x87
	call	seg_checks
	call	ring3_priv
	call	io_perm
	call	sysenter_tests
	call	syscall32_tests
	call	intr_tests
	call	long_tests
	PUTS	"sys_misc: done\n"
	xor	%eax, %eax
	ret

/* ---------------------------------------------------------------- */
tables:
	CASE	"sgdt"
	sgdt	buf
	VAL16	"limit", buf
	PUTS	" base="
	mov	buf+2, %eax
	call	is_gdt
	NL
	CASE	"sidt"
	sidt	buf
	VAL16	"limit", buf
	PUTS	" base="
	mov	buf+2, %eax
	cmp	$sys_idt32, %eax
	jne	1f
	PUTS	"sys_idt32"
	jmp	2f
1:	HEX32	%eax
2:	NL
	CASE	"str"
	str	%ax
	VAL16	"tr", %ax
	movw	$0xffff, buf
	str	buf
	VAL16	"m16", buf
	NL
	CASE	"sldt"
	xor	%eax, %eax
	lldt	%ax
	sldt	%ax
	VAL16	"after lldt 0", %ax
	mov	$SEL_LDT, %eax
	lldt	%ax
	sldt	%ax
	VAL16	"after lldt 68h", %ax
	NL
	CASE	"ldt segment 000fh (fs)"
	mov	$LDT_SEL, %eax
	mov	%eax, %fs
	VAL	"fs:0", %fs:0
	mov	$SEL_DS, %eax
	mov	%eax, %fs
	NL
	ret

/* is_gdt: print "sys_gdt" if EAX is its address, else EAX. */
is_gdt:
	cmp	$sys_gdt, %eax
	jne	1f
	PUTS	"sys_gdt"
	ret
1:	HEX32	%eax
	ret

/* ---------------------------------------------------------------- */
control:
	/* CR0 low bits: PE and ET (hard-wired to 1) at this point. */
	mov	%cr0, %eax
	and	$~(CR0_MP|CR0_EM|CR0_TS|CR0_NE), %eax
	mov	%eax, %cr0
	CASE	"smsw"
	movw	$0xffff, buf
	smsw	buf
	VAL16	"m16", buf
	NL
	CASE	"lmsw ffffh (only PE MP EM TS load)"
	mov	$0xffff, %eax
	lmsw	%ax
	smsw	buf
	VAL16	"msw", buf
	mov	%cr0, %eax
	and	$0xffff, %eax
	VAL	"cr0 low", %eax
	NL
	CASE	"lmsw 0 (cannot clear PE)"
	xor	%eax, %eax
	lmsw	%ax
	smsw	buf
	VAL16	"msw", buf
	NL
	CASE	"clts"
	mov	%cr0, %eax
	or	$CR0_TS, %eax
	mov	%eax, %cr0
	smsw	buf
	VAL16	"before", buf
	clts
	smsw	buf
	VAL16	"after", buf
	NL
	CASE	"wbinvd"
	TRY	1f, 2f
1:	wbinvd
2:	call	sys_report
	CASE	"invd"
	TRY	1f, 2f
1:	invd
2:	call	sys_report
	ret

/* ---------------------------------------------------------------- */
debugregs:
	CASE	"dr0-3 write/read"
	mov	$0x11111110, %eax
	mov	%eax, %dr0
	mov	$0x22222220, %eax
	mov	%eax, %dr1
	mov	$0x33333330, %eax
	mov	%eax, %dr2
	mov	$0x44444440, %eax
	mov	%eax, %dr3
	mov	%dr0, %eax
	HEX32	%eax
	SP
	mov	%dr1, %eax
	HEX32	%eax
	SP
	mov	%dr2, %eax
	HEX32	%eax
	SP
	mov	%dr3, %eax
	HEX32	%eax
	NL
	CASE	"dr6 write 0"
	xor	%eax, %eax
	mov	%eax, %dr6
	mov	%dr6, %eax
	HEX32	%eax
	NL
	CASE	"dr7 write 0"
	xor	%eax, %eax
	mov	%eax, %dr7
	mov	%dr7, %eax
	HEX32	%eax
	NL
	CASE	"dr7 write 0000_00aa (G/L bits, no breakpoint hit)"
	mov	$0xaa, %eax
	mov	%eax, %dr7
	mov	%dr7, %eax
	HEX32	%eax
	xor	%eax, %eax
	mov	%eax, %dr7
	NL
	/* DR4/DR5 alias DR6/DR7 while CR4.DE=0. */
	CASE	"CR4.DE=0: mov dr4 (=dr6), dr5 <- 55 (=dr7)"
	mov	%cr4, %eax
	and	$~CR4_DE, %eax
	mov	%eax, %cr4
	.byte	0x0f, 0x21, 0xe0	/* mov %dr4, %eax */
	HEX32	%eax
	mov	$0x55, %eax
	.byte	0x0f, 0x23, 0xe8	/* mov %eax, %dr5 */
	mov	%dr7, %eax
	SP
	HEX32	%eax
	xor	%eax, %eax
	mov	%eax, %dr7
	NL
	mov	%cr4, %eax
	or	$CR4_DE, %eax
	mov	%eax, %cr4
	CASE	"CR4.DE=1: #UD mov dr4"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0x0f, 0x21, 0xe0
2:	call	sys_report
	CASE	"CR4.DE=1: #UD mov to dr5"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0x0f, 0x23, 0xe8
2:	call	sys_report
	mov	%cr4, %eax
	and	$~CR4_DE, %eax
	mov	%eax, %cr4
	ret

/* ---------------------------------------------------------------- */
timestamp:
	CASE	"rdtsc"
	rdtsc
	mov	%eax, %esi
	mov	%edx, %edi
	mov	$100, %ecx
1:	loop	1b
	rdtsc
	sub	%esi, %eax
	sbb	%edi, %edx
	call	incr
	NL
	CASE	"rdtscp"
	mov	$MSR_TSC_AUX, %ecx
	mov	$0x12345678, %eax
	xor	%edx, %edx
	wrmsr
	rdtsc
	mov	%eax, %esi
	mov	%edx, %edi
	mov	$-1, %ecx
	rdtscp
	VAL	"ecx", %ecx
	sub	%esi, %eax
	sbb	%edi, %edx
	call	incr
	NL
	CASE	"rdmsr TSC_AUX"
	mov	$MSR_TSC_AUX, %ecx
	rdmsr
	HEX32	%eax
	NL
	ret

/* incr: print " increases" if EDX:EAX (a difference) is positive. */
incr:
	test	%edx, %edx
	js	1f
	jnz	2f
	test	%eax, %eax
	jz	1f
2:	PUTS	" increases"
	ret
1:	PUTS	" does not increase"
	ret

/* ---------------------------------------------------------------- */
	.set CPUID1_MASK, 0x0000a979	/* FPU PSE TSC MSR PAE CX8 SEP PGE CMOV */
	.set CPUIDX_MASK, 0x2c100800	/* SYSCALL NX Page1GB RDTSCP LM */
cpuid_x87:
	CASE	"cpuid 0 vendor"
	xor	%eax, %eax
	cpuid
	mov	%ebx, buf
	mov	%edx, buf+4
	mov	%ecx, buf+8
	movb	$0, buf+12
	mov	$buf, %esi
	call	rt_puts
	NL
	CASE	"cpuid 1 edx & fpu pse tsc msr pae cx8 sep pge cmov"
	mov	$1, %eax
	cpuid
	and	$CPUID1_MASK, %edx
	HEX32	%edx
	NL
	CASE	"cpuid 80000001 edx & syscall nx page1gb rdtscp lm"
	mov	$0x80000001, %eax
	cpuid
	and	$CPUIDX_MASK, %edx
	HEX32	%edx
	NL
	CASE	"fninit fnstsw fnstcw"
	fninit
	movw	$0xffff, buf
	fnstsw	buf
	VAL16	"sw", buf
	fnstcw	buf
	VAL16	"cw", buf
	mov	$0xffff, %eax
	fnstsw	%ax
	VAL16	"sw(ax)", %ax
	NL
	CASE	"fldcw 0e7fh fnstcw"
	movw	$0x0e7f, buf
	fldcw	buf
	movw	$0, buf
	fnstcw	buf
	VAL16	"cw", buf
	fnclex
	fnstsw	%ax
	VAL16	"sw after fnclex", %ax
	fninit
	fnstcw	buf
	VAL16	"cw after fninit", buf
	NL
	ret

/* ---------------------------------------------------------------- */
/* lar_row: LAR/LSL/VERR/VERW of selector BX into the 6 dwords at EDI
 * (LAR ok, LAR & 00f0ff00 without a code/data accessed bit, LSL ok, LSL,
 * VERR ok, VERW ok). Runs at any CPL (DS/ES writable). */
lar_row:
	mov	$0xdeadbeef, %eax
	lar	%bx, %eax
	setz	%cl
	movzbl	%cl, %ecx
	mov	%ecx, 0(%edi)
	and	$0x00f0ff00, %eax	/* 19:16 (limit) left out */
	bt	$12, %eax		/* code/data: drop the accessed bit */
	jnc	1f
	and	$~0x100, %eax
1:	mov	%eax, 4(%edi)
	mov	$0xdeadbeef, %eax
	lsl	%bx, %eax
	setz	%cl
	movzbl	%cl, %ecx
	mov	%ecx, 8(%edi)
	mov	%eax, 12(%edi)
	verr	%bx
	setz	%cl
	movzbl	%cl, %ecx
	mov	%ecx, 16(%edi)
	verw	%bx
	setz	%cl
	movzbl	%cl, %ecx
	mov	%ecx, 20(%edi)
	ret

/* lar_all: lar_row for every selector of lar_sels into lar_out. */
lar_all:
	mov	$lar_sels, %esi
	mov	$lar_out, %edi
1:	movzwl	(%esi), %ebx
	cmp	$0xffff, %ebx
	je	2f
	call	lar_row
	add	$2, %esi
	add	$24, %edi
	jmp	1b
2:	ret

/* lar_print: print lar_out, one line per selector. */
lar_print:
	mov	$lar_sels, %esi
	mov	$lar_out, %edi
1:	movzwl	(%esi), %ebx
	cmp	$0xffff, %ebx
	je	3f
	PUTS	"  "
	HEX16	%bx
	PUTS	": lar="
	cmpl	$0, 0(%edi)
	je	21f
	HEX32	4(%edi)
	jmp	22f
21:	PUTS	"--------"
22:	PUTS	" lsl="
	cmpl	$0, 8(%edi)
	je	23f
	HEX32	12(%edi)
	jmp	24f
23:	PUTS	"--------"
24:	PUTS	" verr="
	HEX8	16(%edi)
	PUTS	" verw="
	HEX8	20(%edi)
	NL
	add	$2, %esi
	add	$24, %edi
	jmp	1b
3:	ret

seg_checks:
	PUTS	"lar/lsl/verr/verw at CPL 0:\n"
	call	lar_all
	call	lar_print
	PUTS	"lar/lsl/verr/verw at CPL 3:\n"
	mov	$u_lar, %eax
	mov	$0x0002, %edx
	call	sys_user32
	call	lar_print
	/* The accessed bit: clear in the GDT until a load sets it. */
	CASE	"accessed bit of a fresh descriptor"
	mov	$SEL_FRESH, %ebx
	lar	%bx, %eax
	and	$0x100, %eax
	VAL16	"before", %ax
	mov	%ebx, %es
	lar	%bx, %eax
	and	$0x100, %eax
	VAL16	"after mov es", %ax
	mov	$SEL_DS, %eax
	mov	%eax, %es
	NL
	ret

u_lar:
	call	lar_all
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
ring3_priv:
	CASE	"ring 3 #GP hlt"
	USER	u_hlt, u_hlt
	CASE	"ring 3 #GP clts"
	USER	u_clts, u_clts
	CASE	"ring 3 #GP lmsw"
	USER	u_lmsw, u_lmsw
	CASE	"ring 3 #GP wbinvd"
	USER	u_wbinvd, u_wbinvd
	CASE	"ring 3 #GP invd"
	USER	u_invd, u_invd
	CASE	"ring 3 #GP rdmsr"
	USER	u_rdmsr, u_rdmsr
	CASE	"ring 3 #GP wrmsr"
	USER	u_wrmsr, u_wrmsr
	CASE	"ring 3 #GP mov %dr0"
	USER	u_movdr, u_movdr
	CASE	"ring 3 #GP mov %cr4"
	USER	u_movcr4, u_movcr4
	CASE	"ring 3 #GP lgdt"
	USER	u_lgdt, u_lgdt
	CASE	"ring 3 #GP lidt"
	USER	u_lidt, u_lidt
	CASE	"ring 3 #GP lldt"
	USER	u_lldt, u_lldt
	CASE	"ring 3 #GP ltr"
	USER	u_ltr, u_ltr
	CASE	"ring 3 #GP invlpg"
	USER	u_invlpg, u_invlpg
	CASE	"ring 3 sgdt sidt sldt str smsw"
	USER	u_sdt, u_sdt
	PUTS	"  gdt limit="
	HEX16	ubuf
	PUTS	" idt limit="
	HEX16	ubuf+8
	PUTS	" ldtr="
	HEX16	ubuf+16
	PUTS	" tr="
	HEX16	ubuf+18
	PUTS	" msw="
	HEX16	ubuf+20
	NL
	CASE	"ring 3 rdtsc, CR4.TSD=0"
	USER	u_rdtsc, u_rdtsc
	mov	%cr4, %eax
	or	$CR4_TSD, %eax
	mov	%eax, %cr4
	CASE	"ring 3 #GP rdtsc, CR4.TSD=1"
	USER	u_rdtsc, u_rdtsc
	CASE	"ring 3 #GP rdtscp, CR4.TSD=1"
	USER	u_rdtscp, u_rdtscp
	CASE	"ring 0 rdtsc, CR4.TSD=1"
	TRY	1f, 2f
1:	rdtsc
2:	call	sys_report
	mov	%cr4, %eax
	and	$~CR4_TSD, %eax
	mov	%eax, %cr4
	/* POPF at CPL 3 with IOPL 0 leaves IF and IOPL alone. */
	CASE	"ring 3 popf IF|IOPL3 with IOPL 0"
	mov	$u_popf, %eax
	mov	$0x0002, %edx
	call	sys_user32
	and	$0x3200, %eax
	VAL	"eflags&3200", %eax
	NL
	CASE	"ring 3 popf clears IF, IOPL 3"
	mov	$u_popf0, %eax
	mov	$0x3202, %edx
	call	sys_user32
	and	$0x3200, %eax
	VAL	"eflags&3200", %eax
	NL
	ret

u_hlt:	hlt
	int	$SYS_VEC_RET0
u_clts:	clts
	int	$SYS_VEC_RET0
u_lmsw:	lmsw	%ax
	int	$SYS_VEC_RET0
u_wbinvd: wbinvd
	int	$SYS_VEC_RET0
u_invd:	invd
	int	$SYS_VEC_RET0
u_rdmsr: rdmsr
	int	$SYS_VEC_RET0
u_wrmsr: wrmsr
	int	$SYS_VEC_RET0
u_movdr: mov	%dr0, %eax
	int	$SYS_VEC_RET0
u_movcr4: mov	%cr4, %eax
	int	$SYS_VEC_RET0
u_lgdt:	lgdt	buf
	int	$SYS_VEC_RET0
u_lidt:	lidt	buf
	int	$SYS_VEC_RET0
u_lldt:	lldt	%ax
	int	$SYS_VEC_RET0
u_ltr:	ltr	%ax
	int	$SYS_VEC_RET0
u_invlpg: invlpg buf
	int	$SYS_VEC_RET0
u_sdt:	sgdt	ubuf
	sidt	ubuf+8
	sldt	ubuf+16
	str	ubuf+18
	smsw	ubuf+20
	int	$SYS_VEC_RET0
u_rdtsc: rdtsc
	int	$SYS_VEC_RET0
u_rdtscp: rdtscp
	int	$SYS_VEC_RET0
u_popf:	pushfl
	orl	$0x3200, (%esp)
	popfl
	pushfl
	pop	%eax
	int	$SYS_VEC_RET0
u_popf0: pushfl
	andl	$~0x200, (%esp)
	popfl
	pushfl
	pop	%eax
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
io_perm:
	/* Deny port 84h in the TSS I/O bitmap; 80h stays allowed. */
	orb	$1 << (PORT_DENY & 7), sys_tss32+104+(PORT_DENY >> 3)
	CASE	"ring 3 IOPL 0: in 80h (bitmap allows)"
	USER	u_in80, u_in80
	PUTS	"  al="
	HEX8	%al
	NL
	CASE	"ring 3 IOPL 0: out 80h"
	USER	u_out80, u_out80
	CASE	"ring 3 IOPL 0: #GP in 84h (bitmap denies)"
	USER	u_in84, u_in84
	CASE	"ring 3 IOPL 0: #GP out dx=84h"
	USER	u_outdx84, u_outdx84_at
	CASE	"ring 3 IOPL 0: #GP inw 83h (spans 84h)"
	USER	u_inw83, u_inw83
	CASE	"ring 3 IOPL 3: out 84h (IOPL overrides)"
	USER	u_out84, u_out84, 0x3002
	CASE	"ring 0: in 84h"
	TRY	1f, 2f
	mov	$0x11, %al
1:	inb	$PORT_DENY, %al
2:	call	sys_report
	PUTS	"  al="
	HEX8	%al
	NL
	/* Shrink the TSS so the bitmap byte of port 80h lies beyond it. */
	mov	$SEL_TSS32, %ecx
	mov	$sys_tss32, %eax
	mov	$104+0x0f, %ebx
	mov	$0x0089, %edx
	call	sys_setdesc
	call	sys_ltr32
	CASE	"ring 3 IOPL 0: #GP in 80h, bitmap beyond the TSS limit"
	USER	u_in80, u_in80
	mov	$SEL_TSS32, %ecx
	mov	$sys_tss32, %eax
	mov	$104+8192, %ebx
	mov	$0x0089, %edx
	call	sys_setdesc
	call	sys_ltr32
	andb	$~(1 << (PORT_DENY & 7)), sys_tss32+104+(PORT_DENY >> 3)
	ret

u_in80:	inb	$PORT_OK, %al
	int	$SYS_VEC_RET0
u_out80: outb	%al, $PORT_OK
	int	$SYS_VEC_RET0
u_in84:	inb	$PORT_DENY, %al
	int	$SYS_VEC_RET0
u_outdx84:
	mov	$PORT_DENY, %edx
u_outdx84_at:
	outb	%al, %dx
	int	$SYS_VEC_RET0
u_inw83: inw	$PORT_DENY-1, %ax
	int	$SYS_VEC_RET0
u_out84: outb	%al, $PORT_DENY
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
/* SYSENTER_CS = 18h: SYSENTER loads CS=18h SS=20h, SYSEXIT CS=2bh SS=33h. */
sysenter_tests:
	mov	$MSR_SYSENTER_CS, %ecx
	mov	$SEL_CS64, %eax
	xor	%edx, %edx
	wrmsr
	mov	$MSR_SYSENTER_ESP, %ecx
	mov	$se_stack_top, %eax
	wrmsr
	mov	$MSR_SYSENTER_EIP, %ecx
	mov	$se_entry, %eax
	wrmsr
	CASE	"sysenter/sysexit"
	USER	u_sysenter, u_sysenter_at, 0x0202
	PUTS	"  kernel: cs="
	HEX16	se_cs
	PUTS	" ss="
	HEX16	se_ss
	PUTS	" esp=top-"
	mov	$se_stack_top, %eax
	sub	se_esp, %eax
	HEX8	%al
	PUTS	" if="
	mov	se_fl, %eax
	and	$FL_IF, %eax
	HEX16	%ax
	NL
	PUTS	"  user after sysexit: cs="
	HEX16	%bx
	PUTS	" ss="
	HEX16	%si
	PUTS	" esp=ustack_top-"
	mov	$sys_ustack_top, %eax
	sub	%edi, %eax
	HEX8	%al
	PUTS	" if="
	and	$FL_IF, %ecx
	HEX16	%cx
	NL
	CASE	"ring 3 #GP sysenter with SYSENTER_CS=0"
	mov	$MSR_SYSENTER_CS, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	USER	u_sysenter, u_sysenter_at
	CASE	"ring 3 #GP sysexit"
	USER	u_sysexit, u_sysexit
	ret

/* Ring 3: ECX/EDX are the SYSEXIT ESP/EIP. */
u_sysenter:
	mov	$u_after_sysexit, %edx
	mov	%esp, %ecx
	sub	$16, %ecx
u_sysenter_at:
	sysenter
u_after_sysexit:
	pushfl
	pop	%ecx
	mov	%esp, %edi
	xor	%ebx, %ebx
	mov	%cs, %bx
	xor	%esi, %esi
	mov	%ss, %si
	int	$SYS_VEC_RET0
u_sysexit:
	sysexit
	int	$SYS_VEC_RET0

/* SYSENTER entry: record, then SYSEXIT (ECX=ESP, EDX=EIP from ring 3). */
se_entry:
	push	%eax
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%eax, se_cs
	mov	%ss, %ax
	mov	%eax, se_ss
	lea	4(%esp), %eax
	mov	%eax, se_esp
	pushfl
	pop	%eax
	mov	%eax, se_fl
	pop	%eax
	sysexit

/* ---------------------------------------------------------------- */
/* Legacy-mode SYSCALL/SYSRET (AMD): CS=STAR[47:32], EIP=STAR[31:0],
 * ECX=return EIP, IF cleared; SYSRET: CS=STAR[63:48]|3, SS=+8, IF set. */
syscall32_tests:
	mov	$MSR_STAR, %ecx
	mov	$sc32_entry, %eax
	mov	$(SEL_UCS32 << 16) | SEL_CS32, %edx
	wrmsr
	CASE	"legacy syscall, EFER.SCE=0"
	USER	u_syscall, u_syscall_at
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_SCE, %eax
	wrmsr
	CASE	"legacy syscall/sysret"
	USER	u_syscall, u_syscall_at, 0x0ad7
	PUTS	"  kernel: cs="
	HEX16	sc_cs
	PUTS	" ss="
	HEX16	sc_ss
	PUTS	" ecx=L+"
	mov	sc_rcx, %eax
	sub	$u_syscall_at, %eax
	HEX8	%al
	PUTS	" esp=ustack_top-"
	mov	$sys_ustack_top, %eax
	sub	sc_rsp, %eax
	HEX8	%al
	PUTS	" fl="
	mov	sc_fl, %eax
	and	$SYS_FLMASK|FL_RF, %eax
	HEX32	%eax
	NL
	PUTS	"  user after sysret: cs="
	HEX16	%bx
	PUTS	" ss="
	HEX16	%si
	PUTS	" fl="
	and	$SYS_FLMASK|FL_RF, %ecx
	HEX32	%ecx
	NL
	CASE	"#GP sysret at ring 3"
	USER	u_sysret, u_sysret
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_SCE, %eax
	wrmsr
	ret

u_syscall:
	cld
u_syscall_at:
	syscall
	pushfl
	pop	%ecx
	xor	%ebx, %ebx
	mov	%cs, %bx
	xor	%esi, %esi
	mov	%ss, %si
	int	$SYS_VEC_RET0
u_sysret:
	sysret
	int	$SYS_VEC_RET0

sc32_entry:
	pushfl
	popl	sc_fl
	mov	%ecx, sc_rcx
	mov	%esp, sc_rsp
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%eax, sc_cs
	mov	%ss, %ax
	mov	%eax, sc_ss
	FL	0x0046			/* ZF PF: SYSRET keeps them, sets IF */
	sysret

/* ---------------------------------------------------------------- */
	.set APIC, 0xfee00000
	.set APIC_TPR, APIC + 0x80
	.set APIC_EOI, APIC + 0xb0
	.set APIC_SVR, APIC + 0xf0
	.set APIC_ICRLO, APIC + 0x300
	.set APIC_ICRHI, APIC + 0x310
	.set IPI_VEC, 0x40

/* self_ipi: a fixed IPI_VEC to self (shorthand), waited for until sent. */
self_ipi:
	movl	$0, APIC_ICRHI
	movl	$0x00040000 | IPI_VEC, APIC_ICRLO
1:	testl	$0x1000, APIC_ICRLO
	jnz	1b
	ret

/* ilog_arm: clear the event log and let the handlers IRET back. */
ilog_arm:
	movl	$0, sys_log_n
	movl	$0, sys_exc_count
	movl	$XM_IRET, sys_exc_mode
	ret

/* ilog_done: stop logging, EOI what was taken, print the events (vector
 * and EIP - EDI). */
ilog_done:
	movl	$XM_STOP, sys_exc_mode
	PUTS	"events="
	HEX8	sys_log_n
	xor	%ecx, %ecx
1:	cmp	sys_log_n, %ecx
	jae	2f
	movl	$0, APIC_EOI
	mov	%ecx, %esi
	shl	$4, %esi
	PUTS	" vec="
	HEX8	sys_log(%esi)
	PUTS	" eip=L+"
	mov	sys_log+4(%esi), %eax
	sub	%edi, %eax
	HEX8	%al
	inc	%ecx
	jmp	1b
2:	NL
	ret

intr_tests:
	movl	$0x1ff, APIC_SVR		/* APIC on, spurious vector ffh */
	movl	$0, APIC_TPR
	CASE	"self-IPI, sti; nop; nop"
	cli
	call	self_ipi
	call	ilog_arm
	mov	$1f, %edi
1:	sti
	nop
	nop
	cli
	call	ilog_done
	CASE	"self-IPI, sti; cli (in the shadow)"
	call	self_ipi
	call	ilog_arm
	mov	$1f, %edi
1:	sti
	cli
	nop
	call	ilog_done
	CASE	"  then sti; nop"
	call	ilog_arm
	mov	$1f, %edi
1:	sti
	nop
	cli
	call	ilog_done
	CASE	"self-IPI, popf setting IF; nop"
	call	self_ipi
	call	ilog_arm
	pushl	$FL_IF|FL_FIXED
	mov	$1f, %edi
1:	popfl
	nop
	cli
	call	ilog_done
	CASE	"self-IPI, sti; hlt"
	call	self_ipi
	call	ilog_arm
	mov	$1f, %edi
1:	sti
	hlt
	cli
	call	ilog_done
	ret

/* ---------------------------------------------------------------- */
long_tests:
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_SCE, %eax
	wrmsr
	/* STAR: SYSCALL CS=18h SS=20h; SYSRET CS=2bh/3bh SS=33h. */
	mov	$MSR_STAR, %ecx
	xor	%eax, %eax
	mov	$(SEL_UCS32 << 16) | SEL_CS64, %edx
	wrmsr
	mov	$MSR_LSTAR, %ecx
	mov	$sc64_entry, %eax
	xor	%edx, %edx
	wrmsr
	mov	$MSR_CSTAR, %ecx
	mov	$scc_entry, %eax
	wrmsr
	mov	$MSR_SFMASK, %ecx
	mov	$FL_IF|FL_DF|FL_TF|FL_AC, %eax
	wrmsr
	TO_LONG
	mov	%rsp, saved_rsp(%rip)

	CASE64	"64 syscall/sysretq"
	USER64	u64_syscall, u64_syscall_at, 0x0ed7
	call	print_sc
	P64	"  user after sysretq: cs="
	H64	%rbx, 4
	P64	" ss="
	H64	%rsi, 4
	P64	" fl="
	and	$SYS_FLMASK|FL_RF, %ecx
	H64	%rcx, 8
	NL64
	CASE64	"64 syscall, sysretl to compat mode"
	movl	$1, sc_to_compat(%rip)
	USER64	u64_syscall, u64_syscall_at, 0x0202
	movl	$0, sc_to_compat(%rip)
	P64	"  user after sysretl: cs="
	H64	%rbx, 4
	P64	" ss="
	H64	%rsi, 4
	NL64
	CASE64	"compat syscall (CSTAR)/sysretl"
	USER64	u32c_syscall, u32c_syscall_at, 0x0202, SEL_UCS32|3
	call	print_sc
	P64	"  user after sysretl: cs="
	H64	%rbx, 4
	P64	" ss="
	H64	%rsi, 4
	NL64
	CASE64	"64 #GP sysretq at ring 3"
	USER64	u64_sysret, u64_sysret
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_SCE, %eax
	wrmsr
	CASE64	"64 #UD syscall, EFER.SCE=0"
	USER64	u64_syscall, u64_syscall_at, 0x0202
	CASE64	"64 #UD sysretq at ring 0, EFER.SCE=0"
	TRY64	1f, 2f
	FL64	0x002
1:	sysretq
2:	call	sys64_report

	/* SWAPGS exchanges GS.base and KernelGSbase. */
	CASE64	"swapgs"
	mov	$MSR_GS_BASE, %ecx
	mov	$gsbuf_a, %eax
	xor	%edx, %edx
	wrmsr
	mov	$MSR_KGS_BASE, %ecx
	mov	$gsbuf_b, %eax
	wrmsr
	VAL64	"gs:0", %gs:0, 8
	swapgs
	VAL64	"after: gs:0", %gs:0, 8
	mov	$MSR_GS_BASE, %ecx
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	$gsbuf_b, %ecx
	cmp	%rcx, %rax
	sete	%al
	movzbl	%al, %eax
	VAL64	"GS_BASE==b", %rax, 1
	mov	$MSR_KGS_BASE, %ecx
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	$gsbuf_a, %ecx
	cmp	%rcx, %rax
	sete	%al
	movzbl	%al, %eax
	VAL64	"KGS_BASE==a", %rax, 1
	swapgs
	NL64
	CASE64	"#GP swapgs at ring 3"
	USER64	u64_swapgs, u64_swapgs
	CASE64	"#UD swapgs in compatibility mode"
	TRY64	cm_swapgs, 2f
	ljmpl	*cm_swapgs_ptr(%rip)
2:	call	sys64_report

	/* FS/GS base through the MSRs and through segment loads. */
	CASE64	"fs base via wrmsr"
	mov	$MSR_FS_BASE, %ecx
	mov	$fsbuf, %eax
	xor	%edx, %edx
	wrmsr
	VAL64	"fs:4", %fs:4, 8
	NL64
	CASE64	"mov fs, 10h (base 0)"
	mov	$SEL_DS, %eax
	mov	%eax, %fs
	mov	$MSR_FS_BASE, %ecx
	rdmsr
	VAL64	"FS_BASE", %rax, 8
	NL64
	CASE64	"mov fs, 90h (base fsbuf2)"
	mov	$SEL_FSB, %eax
	mov	%eax, %fs
	mov	$MSR_FS_BASE, %ecx
	rdmsr
	mov	$fsbuf2, %ecx
	cmp	%ecx, %eax
	sete	%al
	movzbl	%al, %eax
	VAL64	"FS_BASE==fsbuf2", %rax, 1
	VAL64	"fs:0", %fs:0, 8
	NL64
	CASE64	"gs base ffff800012345678 via wrmsr"
	mov	$MSR_GS_BASE, %ecx
	mov	$0x12345678, %eax
	mov	$0xffff8000, %edx
	wrmsr
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	VAL64	"GS_BASE", %rax
	NL64
	CASE64	"#GP wrmsr FS_BASE non-canonical"
	TRY64	1f, 2f
	mov	$MSR_FS_BASE, %ecx
	xor	%eax, %eax
	mov	$0x00008000, %edx
	FL64	0x002
1:	wrmsr
2:	call	sys64_report
	CASE64	"#GP wrmsr KERNEL_GS_BASE non-canonical"
	TRY64	1f, 2f
	mov	$MSR_KGS_BASE, %ecx
	xor	%eax, %eax
	mov	$0x00008000, %edx
	FL64	0x002
1:	wrmsr
2:	call	sys64_report
	mov	$SEL_DS, %eax
	mov	%eax, %fs
	mov	%eax, %gs

	CASE64	"64 sgdt (10 bytes)"
	movq	$-1, buf(%rip)
	movq	$-1, buf+8(%rip)
	sgdt	buf(%rip)
	VAL64	"limit", buf(%rip), 4
	mov	buf+2(%rip), %rax
	mov	$sys_gdt, %ecx
	cmp	%rcx, %rax
	sete	%al
	movzbl	%al, %eax
	VAL64	"base==sys_gdt", %rax, 1
	movzwl	buf+10(%rip), %eax
	VAL64	"next", %rax, 4
	NL64
	CASE64	"64 rdtscp zero-extends"
	mov	$-1, %rcx
	mov	$-1, %rdx
	mov	$-1, %rax
	rdtscp
	VAL64	"rcx", %rcx
	shr	$32, %rdx
	shr	$32, %rax
	or	%rdx, %rax
	VAL64	"rdx:rax upper halves", %rax, 8
	NL64
	CASE64	"64 #GP mov to dr7, upper half set"
	TRY64	1f, 2f
	mov	$1, %eax
	shl	$32, %rax
	FL64	0x002
1:	mov	%rax, %dr7
2:	call	sys64_report
	CASE64	"64 #GP mov to dr6, upper half set"
	TRY64	1f, 2f
	mov	$1, %eax
	shl	$32, %rax
	FL64	0x002
1:	mov	%rax, %dr6
2:	call	sys64_report
	CASE64	"64 dr0 = ffff800000001000"
	movabs	$0xffff800000001000, %rax
	mov	%rax, %dr0
	mov	%dr0, %rax
	H64	%rax
	xor	%eax, %eax
	mov	%rax, %dr0
	NL64

	mov	saved_rsp(%rip), %rsp
	TO_LEGACY
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_SCE, %eax
	wrmsr
	ret

	.code64
/* print_sc: what the SYSCALL entry saw. */
print_sc:
	P64	"  kernel: cs="
	H64	sc_cs(%rip), 4
	P64	" ss="
	H64	sc_ss(%rip), 4
	P64	" rcx=L+"
	mov	sc_rcx(%rip), %rax
	sub	sys_exp_label(%rip), %rax
	H64	%rax, 2
	P64	" r11="
	mov	sc_r11(%rip), %rax
	and	$SYS_FLMASK|FL_RF, %eax
	H64	%rax, 8
	P64	" fl="
	mov	sc_fl(%rip), %rax
	and	$SYS_FLMASK|FL_RF, %eax
	H64	%rax, 8
	P64	" rsp=ustack_top-"
	mov	$sys_ustack_top, %eax
	sub	sc_rsp(%rip), %rax
	H64	%rax, 2
	NL64
	ret

/* 64-bit SYSCALL entry (LSTAR): record, SYSRETQ (or SYSRETL to compat). */
sc64_entry:
	pushfq
	popq	sc_fl(%rip)
	mov	%rcx, sc_rcx(%rip)
	mov	%r11, sc_r11(%rip)
	mov	%rsp, sc_rsp(%rip)
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%eax, sc_cs(%rip)
	mov	%ss, %ax
	mov	%eax, sc_ss(%rip)
	cmpl	$0, sc_to_compat(%rip)
	jne	1f
	sysretq
1:	mov	$u_compat_back, %ecx
	sysretl

/* Compatibility-mode SYSCALL entry (CSTAR). */
scc_entry:
	pushfq
	popq	sc_fl(%rip)
	mov	%rcx, sc_rcx(%rip)
	mov	%r11, sc_r11(%rip)
	mov	%rsp, sc_rsp(%rip)
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%eax, sc_cs(%rip)
	mov	%ss, %ax
	mov	%eax, sc_ss(%rip)
	sysretl

u64_syscall:
	std
u64_syscall_at:
	syscall
	pushfq
	pop	%rcx
	cld
	xor	%ebx, %ebx
	mov	%cs, %bx
	xor	%esi, %esi
	mov	%ss, %si
	int	$SYS_VEC_RET0
u64_sysret:
	sysretq
	int	$SYS_VEC_RET0
u64_swapgs:
	swapgs
	int	$SYS_VEC_RET0

	.code32
/* Compatibility mode, ring 3 (SYSRETL lands here). */
u_compat_back:
	xor	%ebx, %ebx
	mov	%cs, %bx
	xor	%esi, %esi
	mov	%ss, %si
	int	$SYS_VEC_RET0
u32c_syscall:
u32c_syscall_at:
	syscall
	xor	%ebx, %ebx
	mov	%cs, %bx
	xor	%esi, %esi
	mov	%ss, %si
	int	$SYS_VEC_RET0
/* Compatibility mode, ring 0: SWAPGS is #UD here. */
cm_swapgs:
	.byte	0x0f, 0x01, 0xf8	/* swapgs */
	ljmp	$SEL_CS64, $cm_swapgs_bad
	.code64
cm_swapgs_bad:
	P64	"swapgs executed in compatibility mode\n"
	mov	$RT_EXIT_EXC, %eax
	mov	$RT_EXIT_PORT, %dx
	out	%eax, %dx
	hlt
	.code32

	.section .rodata
	.balign 2
lar_sels:
	.word	SEL_CS32, SEL_DS, SEL_DS|3, SEL_UCS32|3, SEL_UDS|3, SEL_TSS32
	.word	SEL_TSS64, SEL_LDT, SEL_XCODE, SEL_RODATA, SEL_CONF, 0
	.word	0x100, LDT_SEL, 0xffff
	.balign 4
cm_swapgs_ptr:
	.long	cm_swapgs
	.word	SEL_CS32

	.section .data
	.balign 8
buf:		.fill 16, 1, 0
ubuf:		.fill 24, 1, 0
saved_rsp:	.quad 0
sc_rcx:		.quad 0
sc_r11:		.quad 0
sc_rsp:		.quad 0
sc_fl:		.quad 0
sc_cs:		.long 0
sc_ss:		.long 0
sc_to_compat:	.long 0
se_cs:		.long 0
se_ss:		.long 0
se_esp:		.long 0
se_fl:		.long 0
	.balign 8
ldt_tab:	.quad 0, 0, 0
gsbuf_a:	.long 0xaaaa0001, 0
gsbuf_b:	.long 0xbbbb0002, 0
fsbuf:		.long 0xf0f00000, 0xf0f00004, 0
fsbuf2:		.long 0xf2f20000, 0
ldt_data:	.long 0, 0
lar_out:	.fill 16 * 24, 1, 0

	.section .bss
	.balign 16
		.skip 1024
se_stack_top:
