/*
 * isa_move: checks the data-movement and exchange instructions: XCHG (the
 * 90+r short form, 86/87 on registers, high bytes and memory), XADD,
 * CMPXCHG (equal and unequal, 8/16/32-bit, register and memory, LOCK),
 * CMPXCHG8B, MOVZX/MOVSX (byte and word sources, register and memory),
 * CBW/CWDE/CWD/CDQ, LAHF/SAHF, XLAT, LEA address forms (SIB scales,
 * displacements, 16-bit operand and address sizes) and MOV encodings
 * (moffs A0-A3, C6/C7 immediates, 8C/8E segment moves).
 * Flags (AMD APM): XADD and CMPXCHG set all six like ADD and CMP;
 * CMPXCHG8B changes ZF only; SAHF loads SF ZF AF PF CF from AH and leaves
 * OF; the rest change none. fo shows all status flags (unchanged ones too).
 * Line format: see lib/isa.S.
 */
	.include "rt.S"
	.include "isa.S"

/* XCHGS s, w, ra, rb, vals: XCHG on registers (both operand orders) and
 * memory. Prints EAX and EBX (and the memory dword for the memory form). */
	.macro XCHGS s:req, w:req, ra:req, rb:req, vals:req
	.pushsection .text.stubs, "ax"
xchg\s\()_rr:
	FLAGS_IN
	xchg\s	%\rb, %\ra
	FLAGS_OUT
	ret
xchg\s\()_rm:
	mov	%\rb, (%edi)
	FLAGS_IN
	xchg\s	(%edi), %\ra
	FLAGS_OUT
	mov	(%edi), %ebx
	ret
xadd\s\()_rr:
	FLAGS_IN
	xadd\s	%\rb, %\ra
	FLAGS_OUT
	ret
xadd\s\()_mr:
	mov	%\ra, (%edi)
	FLAGS_IN
	lock xadd\s %\rb, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
	.popsection
	CASES	"xchg\s rr", xchg\s\()_rr, \w, FL_STATUS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"xchg\s rm", xchg\s\()_rm, \w, FL_STATUS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"xadd\s rr", xadd\s\()_rr, \w, FL_STATUS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"lock xadd\s mr", xadd\s\()_mr, \w, FL_STATUS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTB
	.endm

/* CMPX s, w, acc, rb, rd: CMPXCHG with A = destination, B = source, C =
 * accumulator. Prints the accumulator (EAX), the destination (ECX or the
 * memory dword) and flags. */
	.macro CMPX s:req, w:req, acc:req, rb:req, rd:req
	.pushsection .text.stubs, "ax"
cmpxchg\s\()_r:
	xchg	%eax, %ecx		/* EAX = accumulator, ECX = destination */
	FLAGS_IN
	cmpxchg\s %\rb, %\rd
	FLAGS_OUT
	ret
cmpxchg\s\()_m:
	mov	%eax, (%edi)
	mov	%ecx, %eax
	FLAGS_IN
	lock cmpxchg\s %\rb, (%edi)
	FLAGS_OUT
	mov	(%edi), %ecx
	ret
	.popsection
	CASES	"cmpxchg\s r", cmpxchg\s\()_r, \w, FL_STATUS, cxd\w, cxs\w, cxa\w, isa_fi2, OPT_FROT|OPT_OUTC|OPT_FILLC, \w
	CASES	"cmpxchg\s m", cmpxchg\s\()_m, \w, FL_STATUS, cxd\w, cxs\w, cxa\w, isa_fi2, OPT_FROT|OPT_OUTC|OPT_FILLC, \w
	.endm

/* EXT op, src, dst, w, vals: MOVZX/MOVSX of B from register and memory;
 * dst is AX or EAX (which starts as the A fill pattern), so the result,
 * and for AX the kept upper half, is in EAX. */
	.macro EXT op:req, src:req, dst:req, w:req, vals:req
	.pushsection .text.stubs, "ax"
\op\()_\src\()_\dst\()_r:
	FLAGS_IN
	\op	%\src, %\dst
	FLAGS_OUT
	ret
\op\()_\src\()_\dst\()_m:
	mov	%\src, 1(%edi)
	FLAGS_IN
	\op	1(%edi), %\dst
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op \src,\dst", \op\()_\src\()_\dst\()_r, \w, FL_STATUS, 0, \vals, 0, isa_fi2, OPT_FROT
	CASES	"\op m,\dst", \op\()_\src\()_\dst\()_m, \w, FL_STATUS, 0, \vals, 0, isa_fi2, OPT_FROT
	.endm

main:
	PUTS	"isa_move: XCHG XADD CMPXCHG CMPXCHG8B MOVZX MOVSX CBW CWD LAHF SAHF XLAT LEA MOV\n"
	XCHGS	b, 1, al, bl, mov8
	XCHGS	w, 2, ax, bx, mov16
	XCHGS	l, 4, eax, ebx, mov32
	CASES	"xchg eax,ecx (91)", xchg_91, 4, FL_STATUS, mov32, 0, mov32, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"xchg ax,cx (66 91)", xchg_6691, 2, FL_STATUS, mov16, 0, mov16, isa_fi2, OPT_FROT|OPT_OUTC|OPT_FILLC, 2
	CASES	"xchg ah,bl", xchg_ahbl, 1, FL_STATUS, mov8, mov8, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"xchg eax,eax (90)", xchg_90, 4, FL_STATUS, mov32, 0, 0, isa_fi2, OPT_FROT

	CMPX	b, 1, al, bl, cl
	CMPX	w, 2, ax, bx, cx
	CMPX	l, 4, eax, ebx, ecx
	CASES	"cmpxchg8b", cx8b, 4, FL_STATUS, cx8m, cx8n, cx8a, isa_fi2, OPT_ZIP|OPT_OUTB|OPT_OUTC|OPT_FROT, 4

	EXT	movzbl, bl, eax, 1, mov8
	EXT	movzbw, bl, ax, 1, mov8
	EXT	movzwl, bx, eax, 2, mov16
	EXT	movsbl, bl, eax, 1, mov8
	EXT	movsbw, bl, ax, 1, mov8
	EXT	movswl, bx, eax, 2, mov16
	CASES	"movzbl ah,ecx", movz_ah, 2, FL_STATUS, mov16, 0, 0, isa_fi2, OPT_FROT
	CASES	"movsbl bh,esi", movs_bh, 2, FL_STATUS, mov16, 0, 0, isa_fi2, OPT_FROT

	CASES	"cbw", cbw_s, 2, FL_STATUS, mov16, 0, 0, isa_fi2, OPT_FROT
	CASES	"cwde", cwde_s, 2, FL_STATUS, mov16, 0, 0, isa_fi2, OPT_FROT
	CASES	"cwd", cwd_s, 2, FL_STATUS, mov16, 0, 0, isa_fi2, OPT_FROT|OPT_OUTC
	CASES	"cdq", cdq_s, 4, FL_STATUS, mov32, 0, 0, isa_fi2, OPT_FROT|OPT_OUTC

	CASES	"lahf", lahf_s, 4, FL_STATUS, 0, 0, 0, lahf_fi, 0
	CASES	"sahf", sahf_s, 1, FL_STATUS, ahv, 0, 0, isa_fi2, 0

	CASES	"xlat", xlat_s, 1, FL_STATUS, mov8, 0, 0, isa_fi2, OPT_FROT
	CASES	"lea", lea_s, 4, FL_STATUS, leaa, leab, 0, isa_fi2, OPT_FROT|OPT_ZIP|OPT_OUTB|OPT_OUTC
	CASES	"lea16", lea16_s, 4, FL_STATUS, leaa, leab, 0, isa_fi2, OPT_FROT|OPT_ZIP|OPT_OUTB|OPT_OUTC
	CASES	"mov moffs", moffs_s, 4, FL_STATUS, mov32, 0, 0, isa_fi2, OPT_FROT|OPT_OUTB|OPT_OUTC
	CASES	"mov imm", movi_s, 4, FL_STATUS, 0, 0, 0, isa_fi2, OPT_FROT|OPT_OUTB|OPT_OUTC
	CASES	"mov sreg", movseg_s, 4, FL_STATUS, 0, 0, 0, isa_fi2, OPT_FROT|OPT_OUTB|OPT_OUTC

	PUTS	"isa_move: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
xchg_91:
	FLAGS_IN
	xchg	%eax, %ecx
	FLAGS_OUT
	ret
xchg_6691:
	FLAGS_IN
	xchg	%ax, %cx
	FLAGS_OUT
	ret
xchg_ahbl:
	mov	%al, %ah
	mov	$0x11, %al
	FLAGS_IN
	xchg	%ah, %bl
	FLAGS_OUT
	ret
xchg_90:
	FLAGS_IN
	.byte	0x90			/* xchg %eax,%eax = NOP */
	FLAGS_OUT
	ret
/* CMPXCHG8B: A = m64 low (high = ~A), C = EDX:EAX low (high = ~C),
 * B = ECX:EBX low (high = B ^ 0x11111111). Prints EAX and EDX after (as
 * EAX, EBX) and m64 low ^ high after (as ECX), and the flags. */
cx8b:
	mov	%eax, (%edi)
	not	%eax
	mov	%eax, 4(%edi)
	mov	%ecx, %eax		/* EDX:EAX = comparand */
	not	%ecx
	mov	%ecx, %esi
	mov	%ebx, %ecx
	xor	$0x11111111, %ecx	/* ECX:EBX = new value */
	FLAGS_IN
	mov	%esi, %edx
	lock cmpxchg8b (%edi)
	mov	%edx, %esi
	FLAGS_OUT
	mov	%esi, %ebx		/* EBX = EDX after */
	mov	(%edi), %ecx
	xor	4(%edi), %ecx		/* ECX = m64 low ^ high */
	ret
movz_ah:
	FLAGS_IN
	movzbl	%ah, %ecx
	FLAGS_OUT
	mov	%ecx, %eax
	ret
movs_bh:
	mov	%eax, %ebx
	FLAGS_IN
	movsbl	%bh, %esi
	FLAGS_OUT
	mov	%esi, %eax
	ret
cbw_s:
	FLAGS_IN
	cbtw
	FLAGS_OUT
	ret
cwde_s:
	FLAGS_IN
	cwtl
	FLAGS_OUT
	ret
cwd_s:
	FLAGS_IN
	mov	$0x5a5a5a5a, %edx
	cwtd
	mov	%edx, %ecx
	FLAGS_OUT
	ret
cdq_s:
	FLAGS_IN
	mov	$0x5a5a5a5a, %edx
	cltd
	mov	%edx, %ecx
	FLAGS_OUT
	ret
lahf_s:
	mov	$0xa5a5a5a5, %eax
	FLAGS_IN
	lahf
	FLAGS_OUT
	ret
sahf_s:
	mov	%al, %ah
	FLAGS_IN
	sahf
	FLAGS_OUT
	ret
xlat_s:
	mov	$xlat_table, %ebx
	FLAGS_IN
	xlat
	FLAGS_OUT
	ret
/* LEA: A = base, B = index; EAX, EBX, ECX = three addressing forms. */
lea_s:
	mov	%eax, %esi
	mov	%ebx, %edi
	FLAGS_IN
	lea	0x12345678(%esi,%edi,8), %eax
	lea	-0x80(%esi,%edi,2), %ebx
	lea	(%edi,%edi,4), %ecx
	FLAGS_OUT
	ret
lea16_s:
	mov	%eax, %esi
	mov	%ebx, %edi
	mov	$0xffffffff, %eax
	mov	%eax, %ebx
	mov	%eax, %ecx
	FLAGS_IN
	leaw	0x1234(%esi,%edi,4), %ax	/* 16-bit operand size */
	addr16 lea 0x7fff(%bx,%si), %ebx	/* 16-bit address size */
	addr16 leaw -2(%bp,%di), %cx
	FLAGS_OUT
	ret
moffs_s:			/* A0-A3: MOV AL/AX/EAX <-> moffs32 */
	movl	$0xc3c3c3c3, moffs_cell
	movl	$0xc3c3c3c3, moffs_cell+4
	FLAGS_IN
	movb	%al, moffs_cell+1
	movw	%ax, moffs_cell+3
	movl	moffs_cell, %ebx
	movw	moffs_cell+2, %cx
	movb	moffs_cell+4, %cl
	FLAGS_OUT
	mov	moffs_cell+4, %eax
	ret
movi_s:				/* C6/C7 and B0-BF immediates */
	FLAGS_IN
	movl	$0x01020304, (%edi)
	movb	$0x85, 1(%edi)
	movw	$0x8786, 2(%edi)
	mov	$0x11223344, %ebx
	mov	$0x99, %bh
	mov	$0xaabb, %bx
	mov	$0xccdd, %cx
	mov	$0xee, %ch
	FLAGS_OUT
	mov	(%edi), %eax
	ret
movseg_s:			/* 8C/8E: segment register moves */
	FLAGS_IN
	mov	$0xffffffff, %eax
	mov	%ds, %ax		/* 16-bit: upper EAX bits kept */
	mov	%ss, %ebx		/* 32-bit register: zero-extended */
	movw	%es, (%edi)
	mov	$RT_DS32, %ecx
	mov	%ecx, %fs
	mov	%fs, %ecx
	FLAGS_OUT
	ret

	.section .rodata
	.balign 4
mov8:	.long 4, 0x00, 0x7f, 0x80, 0xff
mov16:	.long 4, 0x0000, 0x7fff, 0x8000, 0xffff
mov32:	.long 4, 0x00000000, 0x7fffffff, 0x80000000, 0xffffffff
	/* CMPXCHG (destination, source, accumulator): equal and unequal. */
cxd1:	.long 2, 0x42, 0x80
cxs1:	.long 1, 0x99
cxa1:	.long 3, 0x42, 0x80, 0x41
cxd2:	.long 2, 0x4242, 0x8000
cxs2:	.long 1, 0x9999
cxa2:	.long 3, 0x4242, 0x8000, 0x4241
cxd4:	.long 2, 0x42424242, 0x80000000
cxs4:	.long 1, 0x99999999
cxa4:	.long 3, 0x42424242, 0x80000000, 0x42424241
	/* CMPXCHG8B (m64 low, new low, comparand low): equal, unequal. */
cx8m:	.long 3, 0x12345678, 0x12345678, 0x80000000
cx8n:	.long 3, 0xcafebabe, 0xcafebabe, 0x00000001
cx8a:	.long 3, 0x12345678, 0x12345679, 0x80000000
lahf_fi: .long 4, FL_FIXED, FL_FIXED|FL_STATUS, FL_FIXED|FL_CF|FL_ZF, FL_FIXED|FL_OF|FL_SF|FL_AF|FL_PF
ahv:	.long 4, 0x00, 0xff, 0xd5, 0x2a
leaa:	.long 3, 0x00001000, 0xfffffff0, 0x8000fffe
leab:	.long 3, 0x00000003, 0x00000001, 0x00020005
	.balign 16
xlat_table:
	.irp hi, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.byte	((\hi * 16 + \lo) * 7 + 3) & 0xff
	.endr
	.endr

	.section .data
	.balign 4
moffs_cell:
	.long	0, 0
