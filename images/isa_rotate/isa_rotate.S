/*
 * isa_rotate: checks ROL, ROR, RCL and RCR at 8, 16 and 32 bits: by one
 * (D0/D1), by CL (D2/D3) and by an immediate (C0/C1), on registers and
 * memory, with counts 0, 1, small, multiples of the operand size (8, 16:
 * the rotation is a no-op but CF is still written), 9 and 17 (RCL/RCR
 * rotate through 9 and 17 bits) and masked counts (0x20, 0x21, 0xe5, 0xff).
 * Flags (AMD APM): a masked count of 0 changes no flag; otherwise CF is
 * defined, OF only for a count of one, and SF, ZF, AF, PF are unaffected.
 * RCL/RCR run every case with CF clear and set.
 * Line format: see lib/isa.S.
 */
	.include "rt.S"
	.include "isa.S"
	.include "shift.S"

	.set ROT_MASK1, FL_STATUS
	.set ROT_MASKN, FL_STATUS & ~FL_OF

main:
	PUTS	"isa_rotate: ROL ROR RCL RCR\n"
	SHIFTS3	rol, ROT_MASK1, ROT_MASKN, OPT_FROT
	SHIFTS3	ror, ROT_MASK1, ROT_MASKN, OPT_FROT
	SHIFTS3	rcl, ROT_MASK1, ROT_MASKN, 0
	SHIFTS3	rcr, ROT_MASK1, ROT_MASKN, 0
	CASES	"rolb ch", rol_ch, 1, ROT_MASKN, shv8, 0, cn8, isa_fi2, OPT_FROT|OPT_FILLC
	CASES	"rcrw c1/3 $1", rcr_c1_1, 2, ROT_MASK1, shv16, 0, 0, isa_fi2, 0

	PUTS	"isa_rotate: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
rol_ch:
	mov	%al, %ch
	FLAGS_IN
	rolb	%cl, %ch
	FLAGS_OUT
	mov	%ecx, %eax
	ret
rcr_c1_1:
	FLAGS_IN
	.byte	0x66, 0xc1, 0xd8, 0x01	/* rcr $1, %ax */
	FLAGS_OUT
	ret

	.section .rodata
	.balign 4
cn8:	.long 7, 0x02, 0x07, 0x08, 0x09, 0x10, 0x11, 0xe5
cn16:	.long 6, 0x02, 0x0f, 0x10, 0x11, 0x1f, 0xe5
cn32:	.long 3, 0x02, 0x1f, 0xff
