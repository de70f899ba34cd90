/*
 * sys_except: exception and interrupt delivery, as test kernels check it.
 *
 * Each line names a case, then what the handler found on its stack:
 *	#GP err=0010 eip=L+03 cs=0008 fl=00000002 [ss=0033 esp=...]
 *	    [frame=ref-14] [cr2=...] [dr6=...]
 * (see lib/sys.S): the vector, the error code (vectors that push one),
 * the pushed EIP/RIP relative to the case's faulting instruction L (a
 * fault gives L+00, a trap the instruction's length), CS, EFLAGS masked
 * to the defined bits except RF (lines named "rf ..." include RF), SS:ESP
 * when the privilege changed, and the frame's address relative to the
 * stack it should be on (ESP0/RSP0/IST, or the interrupted RSP).
 * "no exception" means none came.
 *
 * 32-bit protected mode, CPL 0: #DE (DIV, IDIV overflow); #DB for TF
 * single-step (also across MOV SS / POP SS), DR0-3 instruction, write and
 * read/write breakpoints with DR6, DR7.GD, RF (an IRET with RF set skips
 * one instruction breakpoint); #BP (INT3, INT 3); #OF (INTO); #BR (BOUND);
 * #UD (UD2, LOCK misuse, MOV CR1); #NM (CR0.TS/MP/EM with FNINIT and
 * FWAIT); #NP (data segment, code segment, IDT gate, gate's CS); #SS
 * (not-present SS, stack limit); #GP (null, beyond the GDT, system and
 * execute-only descriptors, RPL > DPL, missing LDT, read-only and code
 * segment writes, limits, IDT limit, bad gate type, gate CS not code);
 * error code EXT for a fault while delivering an exception; #DF (#GP or
 * #DE with a not-present gate; none for the benign #BP); the RF bit pushed
 * for faults and traps.
 * CPL 3 (32-bit TSS): INT from ring 3 switches to SS0:ESP0 and pushes
 * SS:ESP; #GP for privileged instructions and a DPL-0 gate; IRET to ring
 * 3 nulls data segment registers of higher privilege; #AC (CR0.AM,
 * EFLAGS.AC, CPL 3).
 * Long mode: frames aligned to 16 bytes, RSP0 and IST stack switches,
 * SS=null after a privilege change, IDT error codes (vector*8+2), gate
 * checks, non-canonical addresses (#GP, #SS), #UD for invalid opcodes,
 * single-step, #DF.
 *
 * QEMU 7.2 deviates (golden holds the APM value, oracle/deviations.txt):
 * faults during 64-bit IDT delivery report vector*16+2; EXT is never set.
 */
	.include "rt.S"
	.include "sys.S"

	/* Descriptors in the free GDT slots. */
	.set SEL_NPDATA, 0x68	/* data, not present */
	.set SEL_NPCODE, 0x70	/* code, not present */
	.set SEL_NPSTK, 0x78	/* writable data, not present */
	.set SEL_SMALLSS, 0x80	/* data, base 0, limit 2 MiB - 1 */
	.set SEL_XCODE, 0x88	/* execute-only code */
	.set SEL_RODATA, 0x90	/* read-only data */
	.set SEL_SMALLDS, 0x98	/* data, base 0, limit 0xfff (bytes) */
	.set SEL_NPCODE64, 0xa0	/* 64-bit code, not present */

	/* FL val: load EFLAGS. CASE "name": print the case name. */
	.macro FL val:req
	pushl	$\val
	popfl
	.endm
	.macro CASE name:req
	PUTS	"\name: "
	.endm
	/* REPORT: reload the flat segments, then sys_report (a case may
	 * leave a test selector in a segment register). */
	.macro REPORT
	call	fixsegs
	call	sys_report
	.endm
	.macro FL64 val:req
	pushq	$\val
	popfq
	.endm
	.macro CASE64 name:req
	P64	"\name: "
	.endm

	.text
	.code32
main:
	call	sys_init
	PUTS	"sys_except: exception delivery in 32-bit PM, ring 3 and long mode\n"
	mov	$SEL_NPDATA, %ecx
	xor	%eax, %eax
	mov	$0xfffff, %ebx
	mov	$0xc012, %edx
	call	sys_setdesc
	mov	$SEL_NPCODE, %ecx
	mov	$0xc01a, %edx
	call	sys_setdesc
	mov	$SEL_NPSTK, %ecx
	mov	$0xc012, %edx
	call	sys_setdesc
	mov	$SEL_SMALLSS, %ecx
	mov	$0x1ff, %ebx
	mov	$0xc092, %edx
	call	sys_setdesc
	mov	$SEL_XCODE, %ecx
	mov	$0xfffff, %ebx
	mov	$0xc098, %edx
	call	sys_setdesc
	mov	$SEL_RODATA, %ecx
	mov	$0xc090, %edx
	call	sys_setdesc
	mov	$SEL_SMALLDS, %ecx
	mov	$0xfff, %ebx
	mov	$0x4092, %edx
	call	sys_setdesc
	mov	$SEL_NPCODE64, %ecx
	mov	$0xfffff, %ebx
	mov	$0xa01a, %edx
	call	sys_setdesc
	/* IDT test gates: 0x41 not present, 0x42 DPL 0 (the default),
	 * 0x43 type 0xc (call gate), 0x44 CS = a data segment, 0x45 CS not
	 * present (in the 64-bit IDT: a not-present 64-bit code segment),
	 * 0x46 CS = 32-bit code (bad in long mode). */
	andb	$0x7f, sys_idt32+0x41*8+5
	movb	$0x8c, sys_idt32+0x43*8+5
	movw	$SEL_DS, sys_idt32+0x44*8+2
	movw	$SEL_NPCODE, sys_idt32+0x45*8+2
	andb	$0x7f, sys_idt64+0x41*16+5
	movb	$0x8c, sys_idt64+0x43*16+5
	movw	$SEL_DS, sys_idt64+0x44*16+2
	movw	$SEL_NPCODE64, sys_idt64+0x45*16+2
	movw	$SEL_CS32, sys_idt64+0x46*16+2

	call	pm32_faults
	call	pm32_debug
	call	pm32_segments
	call	pm32_nested
	call	ring3
	call	long_mode
	PUTS	"sys_except: done\n"
	xor	%eax, %eax
	ret

/* ---------------------------------------------------------------- */
pm32_faults:
	CASE	"#DE div ecx=0"
	TRY	1f, 2f
	mov	$0x10, %eax
	xor	%edx, %edx
	xor	%ecx, %ecx
	FL	0x8d7
1:	div	%ecx
2:	call	sys_report

	CASE	"#DE idiv 8000h/-1"
	TRY	1f, 2f
	mov	$0x8000, %eax
	mov	$0xff, %bl
	FL	0x002
1:	idiv	%bl
2:	call	sys_report

	CASE	"#BP int3"
	TRY	1f, 2f
	FL	0x0c3
1:	int3
2:	call	sys_report

	CASE	"#BP int $3 (cd 03)"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0xcd, 0x03
2:	call	sys_report

	CASE	"#OF into OF=1"
	TRY	1f, 2f
	FL	0x802
1:	into
2:	call	sys_report

	CASE	"into OF=0"
	TRY	1f, 2f
	FL	0x002
1:	into
2:	call	sys_report

	CASE	"#BR bound 11 in [0,10]"
	TRY	1f, 2f
	mov	$11, %eax
	FL	0x002
1:	bound	%eax, bnd
2:	call	sys_report

	CASE	"bound 10 in [0,10]"
	TRY	1f, 2f
	mov	$10, %eax
1:	bound	%eax, bnd
2:	call	sys_report

	CASE	"#BR bound -1 in [0,10]"
	TRY	1f, 2f
	mov	$-1, %eax
	FL	0x002
1:	bound	%eax, bnd
2:	call	sys_report

	CASE	"#UD ud2"
	TRY	1f, 2f
	FL	0x002
1:	ud2
2:	call	sys_report

	CASE	"#UD lock nop"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0xf0, 0x90
2:	call	sys_report

	CASE	"#UD lock add %eax,%eax"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0xf0, 0x01, 0xc0
2:	call	sys_report

	CASE	"#UD mov %cr1,%eax"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0x0f, 0x20, 0xc8
2:	call	sys_report

	/* #NM: CR0.TS, MP, EM against FNINIT (x87) and FWAIT. */
	CASE	"#NM fninit TS=1 MP=0"
	mov	%cr0, %eax
	and	$~(CR0_MP|CR0_EM|CR0_TS), %eax
	or	$CR0_TS, %eax
	mov	%eax, %cr0
	TRY	1f, 2f
	FL	0x002
1:	fninit
2:	call	sys_report
	CASE	"fwait TS=1 MP=0"
	TRY	1f, 2f
1:	fwait
2:	call	sys_report
	CASE	"#NM fwait TS=1 MP=1"
	mov	%cr0, %eax
	or	$CR0_MP, %eax
	mov	%eax, %cr0
	TRY	1f, 2f
	FL	0x002
1:	fwait
2:	call	sys_report
	CASE	"#NM fninit EM=1 TS=0"
	mov	%cr0, %eax
	and	$~(CR0_MP|CR0_TS), %eax
	or	$CR0_EM, %eax
	mov	%eax, %cr0
	TRY	1f, 2f
	FL	0x002
1:	fninit
2:	call	sys_report
	CASE	"fwait EM=1 TS=0"
	TRY	1f, 2f
1:	fwait
2:	call	sys_report
	mov	%cr0, %eax
	and	$~(CR0_MP|CR0_EM|CR0_TS), %eax
	mov	%eax, %cr0
	CASE	"fninit after clts"
	TRY	1f, 2f
	clts
1:	fninit
2:	call	sys_report

	/* The RF bit in the pushed EFLAGS: 1 for faults (APM vol. 2,
	 * rFLAGS.RF; for traps and INT n the APM does not say, so those
	 * lines mask RF). */
	CASE	"rf #GP (fault)"
	movl	$SYS_FLMASK|FL_RF, sys_flmask
	TRY	1f, 2f
	mov	$0x100, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	call	sys_report
	CASE	"rf #UD (fault)"
	movl	$SYS_FLMASK|FL_RF, sys_flmask
	TRY	1f, 2f
	FL	0x002
1:	ud2
2:	call	sys_report
	CASE	"rf #DE (fault)"
	movl	$SYS_FLMASK|FL_RF, sys_flmask
	TRY	1f, 2f
	xor	%ecx, %ecx
	FL	0x002
1:	div	%ecx
2:	call	sys_report
	ret

/* ---------------------------------------------------------------- */
pm32_debug:
	/* TF single-step: the trap comes after the first instruction that
	 * starts with TF=1 (not after the POPF that set it). */
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB single-step nop"
	TRY	1f, 2f
	FL	FL_TF|FL_FIXED
1:	nop
	nop
2:	call	sys_report
	/* MOV SS and POP SS hold the trap for one more instruction. */
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB single-step mov ss; nop"
	mov	%ss, %eax
	TRY	1f, 2f
	FL	FL_TF|FL_FIXED
1:	mov	%eax, %ss
	nop
	nop
2:	call	sys_report
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB single-step pop ss; nop"
	push	%ss
	TRY	1f, 2f
	FL	FL_TF|FL_FIXED
1:	pop	%ss
	nop
	nop
2:	call	sys_report
	add	$4, %esp
	/* Instruction breakpoint DR0: a fault, RF=0 pushed. */
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"rf #DB instruction bp DR0"
	mov	$1f, %eax
	mov	%eax, %dr0
	mov	$0x00000001, %eax	/* L0, execute, 1 byte */
	mov	%eax, %dr7
	movl	$SYS_FLMASK|FL_RF, sys_flmask
	TRY	1f, 2f
	FL	0x002
1:	nop
2:	call	sys_report
	xor	%eax, %eax
	mov	%eax, %dr7
	/* RF: the handler IRETs with RF=1, so each breakpointed instruction
	 * runs once; RF clears after it, so the next breakpoint still hits. */
	CASE	"RF: DR0 and DR1 on consecutive nops, IRET with RF=1"
	mov	$1f, %eax
	mov	%eax, %dr0
	mov	$2f, %eax
	mov	%eax, %dr1
	mov	$0x00000005, %eax	/* L0, L1: execute */
	mov	%eax, %dr7
	xor	%eax, %eax
	mov	%eax, %dr6
	movl	$0, sys_log_n
	movl	$FL_RF, sys_exc_orfl
	movl	$1, sys_exc_dr6clr
	movl	$XM_IRET, sys_exc_mode
	mov	$1f, %edi
1:	nop
2:	nop
	movl	$XM_STOP, sys_exc_mode
	movl	$0, sys_exc_orfl
	movl	$0, sys_exc_dr6clr
	xor	%eax, %eax
	mov	%eax, %dr7
	call	print_log
	/* Data breakpoints are traps: EIP after the access. */
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB write bp DR2 (RW=01 LEN=4) movl $1,wvar"
	mov	$wvar, %eax
	mov	%eax, %dr2
	mov	$0x0d000010, %eax	/* L2, write, 4 bytes */
	mov	%eax, %dr7
	TRY	1f, 2f
	FL	0x002
1:	movl	$1, wvar
2:	call	sys_report
	CASE	"write bp DR2, read wvar"
	TRY	1f, 2f
1:	mov	wvar, %eax
2:	call	sys_report
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB rw bp DR3 (RW=11 LEN=4) read wvar"
	mov	$wvar, %eax
	mov	%eax, %dr3
	mov	$0xf0000040, %eax	/* L3, read/write, 4 bytes */
	mov	%eax, %dr7
	TRY	1f, 2f
	FL	0x002
1:	mov	wvar, %eax
2:	call	sys_report
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB write bp DR1 wvar+2 LEN=2, movl $1,wvar"
	mov	$wvar+2, %eax
	mov	%eax, %dr1
	mov	$0x00500004, %eax	/* L1, write, 2 bytes */
	mov	%eax, %dr7
	TRY	1f, 2f
	FL	0x002
1:	movl	$1, wvar
2:	call	sys_report
	CASE	"write bp DR1 wvar+2 LEN=2, movw $1,wvar"
	TRY	1f, 2f
1:	movw	$1, wvar
2:	call	sys_report
	xor	%eax, %eax
	mov	%eax, %dr7
	/* DR7.GD: a MOV DR faults with DR6.BD; GD is clear in the handler. */
	xor	%eax, %eax
	mov	%eax, %dr6
	CASE	"#DB DR7.GD, mov %dr0,%eax"
	mov	$0x00002000, %eax
	mov	%eax, %dr7
	TRY	1f, 2f
	FL	0x002
1:	mov	%dr0, %eax
2:	call	sys_report
	PUTS	"DR7 after the GD #DB: "
	mov	%dr7, %eax
	HEX32	%eax
	NL
	xor	%eax, %eax
	mov	%eax, %dr7
	mov	%eax, %dr6
	ret

/* print_log: the events the handler logged (vector, EIP - EDI, DR6). */
print_log:
	PUTS	"events="
	HEX8	sys_log_n
	xor	%ecx, %ecx
1:	cmp	sys_log_n, %ecx
	jae	2f
	mov	%ecx, %esi
	shl	$4, %esi
	PUTS	" vec="
	HEX8	sys_log(%esi)
	PUTS	" eip=L+"
	mov	sys_log+4(%esi), %eax
	sub	%edi, %eax
	HEX8	%al
	PUTS	" dr6="
	HEX32	sys_log+8(%esi)
	PUTS	" fl="
	mov	sys_log+12(%esi), %eax
	and	$SYS_FLMASK|FL_RF, %eax
	HEX32	%eax
	inc	%ecx
	jmp	1b
2:	NL
	ret

/* ---------------------------------------------------------------- */
pm32_segments:
	CASE	"#NP mov ds, not-present data"
	TRY	1f, 2f
	mov	$SEL_NPDATA, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"#NP ljmp not-present code"
	TRY	1f, 2f
	FL	0x002
1:	ljmp	$SEL_NPCODE, $0
2:	REPORT
	CASE	"#NP int 41h, gate not present"
	TRY	1f, 2f
	FL	0x002
1:	int	$0x41
2:	REPORT
	CASE	"#NP int 45h, gate CS not present"
	TRY	1f, 2f
	FL	0x002
1:	int	$0x45
2:	REPORT
	CASE	"#SS mov ss, not-present"
	TRY	1f, 2f
	mov	$SEL_NPSTK, %eax
	FL	0x002
1:	mov	%eax, %ss
2:	REPORT
	CASE	"#SS stack limit, mov 0x300000(%ebp)"
	TRY	1f, 2f
	mov	$SEL_SMALLSS, %eax
	mov	%eax, %ss
	xor	%ebp, %ebp
	FL	0x002
1:	mov	0x300000(%ebp), %eax
2:	REPORT
	CASE	"stack limit, mov 0x1ffffc(%ebp)"
	TRY	1f, 2f
	mov	$SEL_SMALLSS, %eax
	mov	%eax, %ss
	xor	%ebp, %ebp
1:	mov	0x1ffffc(%ebp), %eax
2:	REPORT
	mov	$SEL_DS, %eax
	mov	%eax, %ss
	CASE	"#GP mov ss, null"
	TRY	1f, 2f
	xor	%eax, %eax
	FL	0x002
1:	mov	%eax, %ss
2:	REPORT
	CASE	"#GP mov ss, read-only data"
	TRY	1f, 2f
	mov	$SEL_RODATA, %eax
	FL	0x002
1:	mov	%eax, %ss
2:	REPORT
	CASE	"#GP mov ss, RPL 3 at CPL 0"
	TRY	1f, 2f
	mov	$SEL_DS|3, %eax
	FL	0x002
1:	mov	%eax, %ss
2:	REPORT
	CASE	"#GP ds=null, mov (%ebx)"
	TRY	1f, 2f
	xor	%eax, %eax
	mov	%eax, %ds
	mov	$wvar, %ebx
	FL	0x002
1:	mov	(%ebx), %eax
2:	REPORT
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	CASE	"#GP mov ds, beyond the GDT limit"
	TRY	1f, 2f
	mov	$0x100, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"#GP mov ds, TSS descriptor"
	TRY	1f, 2f
	mov	$SEL_TSS32, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"#GP mov ds, execute-only code"
	TRY	1f, 2f
	mov	$SEL_XCODE, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"mov ds, readable code"
	TRY	1f, 2f
	mov	$SEL_CS32, %eax
1:	mov	%eax, %ds
2:	REPORT
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	CASE	"#GP mov ds, RPL 3 > DPL 0"
	TRY	1f, 2f
	mov	$SEL_DS|3, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"#GP mov ds, LDT selector, LDTR null"
	xor	%eax, %eax
	lldt	%ax
	TRY	1f, 2f
	mov	$0x000c, %eax
	FL	0x002
1:	mov	%eax, %ds
2:	REPORT
	CASE	"#GP ljmp to a data segment"
	TRY	1f, 2f
	FL	0x002
1:	ljmp	$SEL_DS, $0
2:	REPORT
	CASE	"#GP ljmp to null"
	TRY	1f, 2f
	FL	0x002
1:	ljmp	$0, $0
2:	REPORT
	CASE	"#GP write, es=read-only data"
	TRY	1f, 2f
	mov	$SEL_RODATA, %eax
	mov	%eax, %es
	FL	0x002
1:	mov	%eax, %es:wvar
2:	REPORT
	mov	$SEL_DS, %eax
	mov	%eax, %es
	CASE	"#GP write through cs:"
	TRY	1f, 2f
	FL	0x002
1:	mov	%eax, %cs:wvar
2:	REPORT
	CASE	"#GP ds limit fff, mov 0x1000"
	TRY	1f, 2f
	mov	$SEL_SMALLDS, %eax
	mov	%eax, %ds
	FL	0x002
1:	mov	0x1000, %eax
2:	REPORT
	CASE	"#GP ds limit fff, mov 0xffe (4 bytes)"
	TRY	1f, 2f
	mov	$SEL_SMALLDS, %eax
	mov	%eax, %ds
	FL	0x002
1:	mov	0xffe, %eax
2:	REPORT
	CASE	"ds limit fff, mov 0xffc"
	TRY	1f, 2f
	mov	$SEL_SMALLDS, %eax
	mov	%eax, %ds
1:	mov	0xffc, %eax
2:	REPORT
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	CASE	"#GP int 50h beyond the IDT limit"
	lidt	idtr_short
	TRY	1f, 2f
	FL	0x002
1:	int	$0x50
2:	REPORT
	lidt	sys_idtr32
	CASE	"#GP int 43h, call gate in the IDT"
	TRY	1f, 2f
	FL	0x002
1:	int	$0x43
2:	REPORT
	CASE	"#GP int 44h, gate CS is data"
	TRY	1f, 2f
	FL	0x002
1:	int	$0x44
2:	REPORT
	ret

/* fixsegs: DS=ES=FS=GS=SS=SEL_DS; all registers and flags preserved. */
fixsegs:
	pushfl
	push	%eax
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	pop	%eax
	popfl
	ret

/* ---------------------------------------------------------------- */
pm32_nested:
	/* A fault while delivering an exception: error code EXT=1. */
	CASE	"#NP ud2 with gate 6 not present (EXT)"
	andb	$0x7f, sys_idt32+6*8+5
	TRY	1f, 2f
	FL	0x002
1:	ud2
2:	call	sys_report
	CASE	"#NP int $6 with gate 6 not present"
	TRY	1f, 2f
	FL	0x002
1:	.byte	0xcd, 0x06
2:	call	sys_report
	orb	$0x80, sys_idt32+6*8+5
	/* Benign #BP: the #NP is delivered, no #DF. */
	CASE	"#NP int3 with gate 3 not present"
	andb	$0x7f, sys_idt32+3*8+5
	TRY	1f, 2f
	FL	0x002
1:	int3
2:	call	sys_report
	orb	$0x80, sys_idt32+3*8+5
	/* Contributory + contributory: #DF with error code 0 (EIP undefined). */
	CASE	"#DF #GP with gate 13 not present"
	andb	$0x7f, sys_idt32+13*8+5
	TRY	1f, 2f
	mov	$0x100, %eax
	SHOW	0
1:	mov	%eax, %ds
2:	call	sys_report
	orb	$0x80, sys_idt32+13*8+5
	CASE	"#DF #DE with gate 0 not present"
	andb	$0x7f, sys_idt32+0*8+5
	TRY	1f, 2f
	xor	%ecx, %ecx
	SHOW	0
1:	div	%ecx
2:	call	sys_report
	orb	$0x80, sys_idt32+0*8+5
	CASE	"#DF #NP with gate 11 not present"
	andb	$0x7f, sys_idt32+11*8+5
	TRY	1f, 2f
	mov	$SEL_NPDATA, %eax
	SHOW	0
1:	mov	%eax, %ds
2:	call	sys_report
	orb	$0x80, sys_idt32+11*8+5
	ret

/* ---------------------------------------------------------------- */
ring3:
	CASE	"INT 80h from ring 3"
	SHOW	SH_DEFAULT|SH_FRAME
	movl	$sys_stack0_top, sys_frame_ref
	TRY	u_int80, 2f
	mov	$u_int80, %eax
	mov	$0x0ad7, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"handler SS after ring 3 -> 0"
	HEX16	sys_exc_hss
	NL

	CASE	"INT 80h from ring 3, ESP0 = top-100h"
	movl	$sys_stack0_top-0x100, sys_tss32+4
	SHOW	SH_DEFAULT|SH_FRAME
	movl	$sys_stack0_top, sys_frame_ref
	TRY	u_int80, 2f
	mov	$u_int80, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	movl	$sys_stack0_top, sys_tss32+4

	CASE	"#GP hlt at ring 3"
	SHOW	SH_DEFAULT|SH_FRAME
	movl	$sys_stack0_top, sys_frame_ref
	TRY	u_hlt, 2f
	mov	$u_hlt, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report

	CASE	"#GP cli at ring 3, IOPL 0"
	TRY	u_cli, 2f
	mov	$u_cli, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report

	CASE	"cli at ring 3, IOPL 3"
	TRY	u_cli, 2f
	mov	$u_cli, %eax
	mov	$0x3202, %edx
	call	sys_user32
2:	call	sys_report

	CASE	"#GP mov %cr0 at ring 3"
	TRY	u_movcr, 2f
	mov	$u_movcr, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report

	CASE	"#GP int 42h at ring 3 (gate DPL 0)"
	TRY	u_int42, 2f
	mov	$u_int42, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report

	CASE	"#GP ring 3 (entered by lret), mov %eax,%dr7"
	TRY	u_movdr, 2f
	mov	$u_movdr, %eax
	FL	0x0002
	call	sys_user32_retf
2:	call	sys_report

	/* IRET back to ring 3 and the ring-3 code continues. */
	CASE	"INT 80h from ring 3, IRET back"
	movl	$0, sys_log_n
	movl	$XM_IRET, sys_exc_mode
	mov	$u_int80_back, %eax
	mov	$0x0002, %edx
	call	sys_user32
	movl	$XM_STOP, sys_exc_mode
	PUTS	"events="
	HEX8	sys_log_n
	PUTS	" ring-3 esp after iret=top-"
	mov	$sys_ustack_top, %edx
	sub	%ebx, %edx
	HEX8	%dl
	PUTS	" cs="
	HEX16	%cx
	NL

	/* IRET to ring 3 loads null into DS/ES/FS/GS of DPL < 3. */
	CASE	"segments at ring 3 after IRET (fs=DPL0, gs=DPL3)"
	mov	$SEL_DS, %eax
	mov	%eax, %fs
	mov	$SEL_UDS|3, %eax
	mov	%eax, %gs
	mov	$u_segs, %eax
	mov	$0x0002, %edx
	call	sys_user32
	PUTS	"ds="
	HEX16	%ax
	PUTS	" es="
	HEX16	%bx
	PUTS	" fs="
	HEX16	%cx
	PUTS	" gs="
	HEX16	%dx
	NL

	/* #AC: CR0.AM=1, EFLAGS.AC=1, CPL 3, misaligned. */
	mov	%cr0, %eax
	or	$CR0_AM, %eax
	mov	%eax, %cr0
	CASE	"#AC ring 3, AM=1 AC=1, mov 1(%ebx)"
	TRY	u_ac_at, 2f
	mov	$u_ac, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"ring 3, AM=1 AC=1, mov 4(%ebx)"
	TRY	u_ac4_at, 2f
	mov	$u_ac4, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	CASE	"ring 0, AM=1 AC=1, mov 1(%ebx)"
	TRY	1f, 2f
	mov	$acbuf, %ebx
	FL	FL_AC|FL_FIXED
1:	mov	1(%ebx), %eax
2:	call	sys_report
	mov	%cr0, %eax
	and	$~CR0_AM, %eax
	mov	%eax, %cr0
	CASE	"ring 3, AM=0 AC=1, mov 1(%ebx)"
	TRY	u_ac_at, 2f
	mov	$u_ac, %eax
	mov	$0x0002, %edx
	call	sys_user32
2:	call	sys_report
	ret

/* Ring-3 code (CS=0x2b, DS=ES=SS=0x33). */
u_int80:
	int	$0x80
	int	$SYS_VEC_RET0
u_hlt:
	hlt
	int	$SYS_VEC_RET0
u_cli:
	cli
	int	$SYS_VEC_RET0
u_movcr:
	mov	%cr0, %eax
	int	$SYS_VEC_RET0
u_int42:
	int	$0x42
	int	$SYS_VEC_RET0
u_movdr:
	mov	%eax, %dr7
	int	$SYS_VEC_RET0
u_int80_back:
	int	$0x80
	mov	%esp, %ebx
	mov	%cs, %ecx
	int	$SYS_VEC_RET0
u_segs:
	mov	%ds, %eax
	mov	%es, %ebx
	mov	%fs, %ecx
	mov	%gs, %edx
	int	$SYS_VEC_RET0
u_ac:
	pushfl
	orl	$FL_AC, (%esp)
	popfl
	mov	$acbuf, %ebx
u_ac_at:
	mov	1(%ebx), %eax
	int	$SYS_VEC_RET0
u_ac4:
	pushfl
	orl	$FL_AC, (%esp)
	popfl
	mov	$acbuf, %ebx
u_ac4_at:
	mov	4(%ebx), %eax
	int	$SYS_VEC_RET0

/* ---------------------------------------------------------------- */
long_mode:
	TO_LONG
	mov	%rsp, saved_rsp(%rip)
	/* Frames in long mode: 8-byte slots, SS:RSP always pushed, RSP
	 * aligned down to 16 first. */
	CASE64	"64 INT 80h at CPL 0, RSP=16n+8"
	and	$~0xf, %rsp
	sub	$8, %rsp
	mov	%rsp, sys_frame_ref(%rip)
	SHOW64	SH_DEFAULT|SH_FRAME
	TRY64	1f, 2f
	FL64	0x0ad7
1:	int	$0x80
2:	call	sys64_report
	CASE64	"  pushed ss, rsp-ref"
	H64	sys_exc_ss(%rip), 4
	SP64
	mov	sys_exc_esp(%rip), %rax
	sub	sys_frame_ref(%rip), %rax
	H64	%rax, 2
	NL64
	add	$8, %rsp
	CASE64	"64 INT 80h at CPL 0, RSP=16n"
	mov	%rsp, sys_frame_ref(%rip)
	SHOW64	SH_FRAME
	TRY64	1f, 2f
1:	int	$0x80
2:	call	sys64_report

	CASE64	"64 INT 80h from ring 3"
	SHOW64	SH_DEFAULT|SH_FRAME
	mov	$sys_stack0_top, %eax
	mov	%rax, sys_frame_ref(%rip)
	TRY64	u64_int80, 2f
	mov	$u64_int80, %eax
	mov	$0x0202, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
2:	call	sys64_report
	CASE64	"  handler ss (null, RPL 0)"
	H64	sys_exc_hss(%rip), 4
	NL64

	CASE64	"64 INT 80h from ring 3, RSP0=16n+8"
	mov	$sys_stack0_top-8, %eax
	mov	%eax, sys_tss64+4(%rip)
	SHOW64	SH_FRAME
	mov	$sys_stack0_top, %eax
	mov	%rax, sys_frame_ref(%rip)
	TRY64	u64_int80, 2f
	mov	$u64_int80, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
2:	call	sys64_report
	mov	$sys_stack0_top, %eax
	mov	%eax, sys_tss64+4(%rip)

	CASE64	"64 INT 80h from compat-mode ring 3"
	SHOW64	SH_DEFAULT|SH_FRAME
	mov	$sys_stack0_top, %eax
	mov	%rax, sys_frame_ref(%rip)
	TRY64	u_int80, 2f
	mov	$u_int80, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS32|3, %ecx
	call	sys_user64
2:	call	sys64_report

	CASE64	"64 INT 80h from ring 3, IRETQ back"
	movl	$0, sys_log_n(%rip)
	movl	$XM_IRET, sys_exc_mode(%rip)
	mov	$u64_int80_back, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
	movl	$XM_STOP, sys_exc_mode(%rip)
	P64	"events="
	H64	sys_log_n(%rip), 2
	P64	" ring-3 rsp after iretq=top-"
	mov	$sys_ustack_top, %edx
	sub	%rbx, %rdx
	H64	%rdx, 2
	P64	" ss="
	H64	%rcx, 4
	NL64

	/* IST: the gate's IST index switches stacks even at the same CPL. */
	CASE64	"64 INT 82h through IST1"
	movb	$1, sys_idt64+0x82*16+4(%rip)
	SHOW64	SH_DEFAULT|SH_FRAME
	mov	$sys_ist1_top, %eax
	mov	%rax, sys_frame_ref(%rip)
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x82
2:	call	sys64_report
	CASE64	"64 #GP through IST2"
	movb	$2, sys_idt64+13*16+4(%rip)
	SHOW64	SH_DEFAULT|SH_FRAME
	mov	$sys_ist2_top, %eax
	mov	%rax, sys_frame_ref(%rip)
	TRY64	1f, 2f
	mov	$0x100, %eax
	FL64	0x0002
1:	mov	%eax, %ds
2:	call	sys64_report
	movb	$0, sys_idt64+13*16+4(%rip)

	/* Errors found while reading the 64-bit IDT: vector*8+2. */
	CASE64	"64 #GP int 42h at ring 3 (gate DPL 0)"
	TRY64	u64_int42, 2f
	mov	$u64_int42, %eax
	mov	$0x0002, %edx
	mov	$SEL_UCS64|3, %ecx
	call	sys_user64
2:	call	sys64_report
	CASE64	"64 #GP int 50h beyond the IDT limit"
	lidt	idtr64_short(%rip)
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x50
2:	call	sys64_report
	lidt	sys_idtr64(%rip)
	CASE64	"64 #NP int 41h, gate not present"
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x41
2:	call	sys64_report
	CASE64	"64 #GP int 43h, type-c gate"
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x43
2:	call	sys64_report
	CASE64	"64 #GP int 44h, gate CS is data"
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x44
2:	call	sys64_report
	CASE64	"64 #NP int 45h, gate CS not present"
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x45
2:	call	sys64_report
	CASE64	"64 #GP int 46h, gate CS is 32-bit code"
	TRY64	1f, 2f
	FL64	0x0002
1:	int	$0x46
2:	call	sys64_report

	/* Non-canonical addresses: #GP, or #SS for stack references. */
	CASE64	"64 #GP mov (0x0000800000000000)"
	TRY64	1f, 2f
	movabs	$0x0000800000000000, %rbx
	FL64	0x0002
1:	mov	(%rbx), %rax
2:	call	sys64_report
	CASE64	"64 #SS mov (%rbp=0xffff7fffffff0000)"
	TRY64	1f, 2f
	movabs	$0xffff7fffffff0000, %rbp
	FL64	0x0002
1:	mov	(%rbp), %rax
2:	call	sys64_report
	CASE64	"64 mov (%rsi) canonical"
	TRY64	1f, 2f
	lea	wvar(%rip), %rsi
1:	mov	(%rsi), %rax
2:	call	sys64_report

	/* Opcodes invalid in 64-bit mode. */
	CASE64	"64 #UD into (ce)"
	TRY64	1f, 2f
	FL64	0x0802
1:	.byte	0xce
2:	call	sys64_report
	CASE64	"64 #UD push es (06)"
	TRY64	1f, 2f
	FL64	0x0002
1:	.byte	0x06
2:	call	sys64_report
	CASE64	"64 #UD daa (27)"
	TRY64	1f, 2f
	FL64	0x0002
1:	.byte	0x27
2:	call	sys64_report

	CASE64	"64 #DB single-step"
	xor	%eax, %eax
	mov	%rax, %dr6
	TRY64	1f, 2f
	FL64	FL_TF|FL_FIXED
1:	nop
	nop
2:	call	sys64_report
	CASE64	"64 #BP int3"
	TRY64	1f, 2f
	FL64	0x0002
1:	int3
2:	call	sys64_report
	CASE64	"64 #DE div"
	TRY64	1f, 2f
	xor	%ecx, %ecx
	FL64	0x0002
1:	div	%rcx
2:	call	sys64_report

	CASE64	"64 #DF #GP with gate 13 not present"
	andb	$0x7f, sys_idt64+13*16+5(%rip)
	SHOW64	0
	TRY64	1f, 2f
	mov	$0x100, %eax
1:	mov	%eax, %ds
2:	call	sys64_report
	orb	$0x80, sys_idt64+13*16+5(%rip)

	mov	saved_rsp(%rip), %rsp
	TO_LEGACY
	ret

	.code64
/* 64-bit ring-3 code (CS=0x3b, SS=0x33). */
u64_int80:
	int	$0x80
	int	$SYS_VEC_RET0
u64_int42:
	int	$0x42
	int	$SYS_VEC_RET0
u64_int80_back:
	int	$0x80
	mov	%rsp, %rbx
	mov	%ss, %ecx
	int	$SYS_VEC_RET0
	.code32

	.section .rodata
	.balign 4
bnd:	.long	0, 10
	.balign 4
	.word	0
idtr_short:			/* 32-bit IDT limited to vectors 0-3fh */
	.word	0x40 * 8 - 1
	.long	sys_idt32
	.balign 8
	.word	0, 0, 0
idtr64_short:			/* 64-bit IDT limited to vectors 0-4fh */
	.word	0x50 * 16 - 1
	.long	sys_idt64, 0

	.section .data
	.balign 16
wvar:	.long	0, 0
saved_rsp:	.quad	0
acbuf:	.long	0x11223344, 0x55667788, 0
