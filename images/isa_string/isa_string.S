/*
 * isa_string: checks the string instructions MOVS, STOS, LODS, SCAS and
 * CMPS in byte, word and dword sizes, without and with REP/REPE/REPNE,
 * with ECX = 0, 1 and more, with DF clear (incrementing) and set
 * (decrementing), REPE/REPNE stopping on the first mismatch/match, an
 * overlapping REP MOVSB (byte-by-byte propagation, not memmove) and a
 * segment override on the source.
 * Memory: strbuf is 128 bytes: a source at +0 (byte i = 3i+1) and a
 * destination at +64 (0xee, or a copy of the source with byte 9 inverted
 * for the compare/scan cases).
 * Line: INSN fi=FLAGS si=ESI di=EDI cx=ECX ax=EAX (offsets from strbuf)
 *       -> si= di= cx= ax= fo=FLAGS [| the first 32 destination bytes]
 * fo shows all status flags and DF: CMPS/SCAS set the six status flags
 * like CMP (and leave them alone when REP runs zero times); the others
 * change none.
 */
	.include "rt.S"

	.set S_SRC, 0
	.set S_DST, 64
	.set S_MASK, FL_STATUS|FL_DF

/*
 * STR insn, soff, doff, ecx, eax, fi, init, dump: one case. init 0 fills
 * the destination with 0xee, 1 copies the source into it (byte 9
 * inverted); dump 1 prints the destination after the instruction.
 */
	.macro STR insn:req, soff:req, doff:req, ecx:req, eax=0xa5a5a5a5, fi=FL_FIXED, init=0, dump=1
	.pushsection .text.stubs, "ax"
.Lstr_s\@:
	push	%edx
	popfl
	\insn
	pushfl
	pop	%edx
	cld
	ret
	.popsection
	.pushsection .rodata
	.balign 4
.Lstr_p\@:
	.long	.Lstr_n\@, .Lstr_s\@, \soff, \doff, \ecx, \eax, \fi, \init | (\dump << 1)
.Lstr_n\@:
	.asciz	"\insn"
	.popsection
	mov	$.Lstr_p\@, %esi
	call	str_run
	.endm

	.text
/* str_run: ESI = parameter block of one STR case. */
str_run:
	mov	%esi, str_p
	/* source pattern, destination init */
	xor	%ecx, %ecx
1:	lea	1(%ecx,%ecx,2), %eax
	movb	%al, strbuf(%ecx)
	movb	$0xee, strbuf+S_DST(%ecx)
	testl	$1, 28(%esi)
	jz	2f
	movb	%al, strbuf+S_DST(%ecx)
2:	inc	%ecx
	cmp	$64, %ecx
	jb	1b
	testl	$1, 28(%esi)
	jz	3f
	notb	strbuf+S_DST+9
3:	mov	(%esi), %esi
	call	rt_puts
	mov	str_p, %ebx
	PUTS	" fi="
	mov	24(%ebx), %eax
	and	$S_MASK, %eax
	call	rt_hex16
	PUTS	" si="
	HEX32	8(%ebx)
	PUTS	" di="
	HEX32	12(%ebx)
	PUTS	" cx="
	HEX32	16(%ebx)
	PUTS	" ax="
	HEX32	20(%ebx)
	/* run */
	mov	8(%ebx), %esi
	add	$strbuf, %esi
	mov	12(%ebx), %edi
	add	$strbuf, %edi
	mov	16(%ebx), %ecx
	mov	20(%ebx), %eax
	mov	24(%ebx), %edx
	call	*4(%ebx)
	sub	$strbuf, %esi
	sub	$strbuf, %edi
	PUTS	" -> si="
	HEX32	%esi
	PUTS	" di="
	HEX32	%edi
	PUTS	" cx="
	HEX32	%ecx
	PUTS	" ax="
	HEX32	%eax
	PUTS	" fo="
	and	$S_MASK, %edx
	HEX16	%dx
	mov	str_p, %ebx
	testl	$2, 28(%ebx)
	jz	4f
	PUTS	" |"
	mov	$strbuf+S_DST, %esi
	mov	$32, %ecx
	SP
	call	rt_hexdump
4:	NL
	ret

main:
	PUTS	"isa_string: MOVS STOS LODS SCAS CMPS REP REPE REPNE\n"
	/* MOVS */
	STR	"movsb", S_SRC, S_DST, 0x77
	STR	"movsw", S_SRC+1, S_DST+2, 0x77
	STR	"movsl", S_SRC+3, S_DST+1, 0x77
	STR	"rep movsb", S_SRC, S_DST, 0
	STR	"rep movsb", S_SRC, S_DST, 1
	STR	"rep movsb", S_SRC, S_DST, 7
	STR	"rep movsw", S_SRC, S_DST, 5
	STR	"rep movsl", S_SRC+1, S_DST+3, 5
	STR	"movsb", S_SRC+20, S_DST+20, 0x77, , FL_FIXED|FL_DF
	STR	"rep movsb", S_SRC+20, S_DST+20, 7, , FL_FIXED|FL_DF
	STR	"rep movsw", S_SRC+20, S_DST+20, 5, , FL_FIXED|FL_DF
	STR	"rep movsl", S_SRC+20, S_DST+20, 5, , FL_FIXED|FL_DF|FL_STATUS
	STR	"rep movsb", S_DST, S_DST+1, 9, , , 1	/* overlapping: propagates */
	STR	"rep movsl", S_DST+8, S_DST+4, 4, , , 1
	STR	"movsb %fs:(%esi), %es:(%edi)", S_SRC+2, S_DST+2, 0
	/* STOS */
	STR	"stosb", S_SRC, S_DST+1, 0x77, 0x11223344
	STR	"stosw", S_SRC, S_DST+1, 0x77, 0x11223344
	STR	"stosl", S_SRC, S_DST+1, 0x77, 0x11223344
	STR	"rep stosb", S_SRC, S_DST, 0, 0x11223344
	STR	"rep stosb", S_SRC, S_DST, 6, 0x11223344
	STR	"rep stosw", S_SRC, S_DST+1, 5, 0x11223344
	STR	"rep stosl", S_SRC, S_DST, 3, 0x11223344, FL_FIXED|FL_STATUS
	STR	"rep stosb", S_SRC, S_DST+20, 6, 0x11223344, FL_FIXED|FL_DF
	STR	"rep stosl", S_SRC, S_DST+20, 3, 0x11223344, FL_FIXED|FL_DF
	/* LODS */
	STR	"lodsb", S_SRC+5, S_DST, 0x77, , , , 0
	STR	"lodsw", S_SRC+5, S_DST, 0x77, , , , 0
	STR	"lodsl", S_SRC+5, S_DST, 0x77, , , , 0
	STR	"rep lodsb", S_SRC+5, S_DST, 3, , , , 0
	STR	"rep lodsl", S_SRC+20, S_DST, 3, , FL_FIXED|FL_DF, , 0
	STR	"rep lodsw", S_SRC+5, S_DST, 0, , , , 0
	/* SCAS: EDI into the destination copy; 0x10 = byte 5, 0x1c = byte 9 */
	STR	"scasb", S_SRC, S_DST+5, 0x77, 0x10, , 1, 0
	STR	"scasb", S_SRC, S_DST+5, 0x77, 0x11, , 1, 0
	STR	"scasw", S_SRC, S_DST+5, 0x77, 0x1310, , 1, 0
	STR	"scasl", S_SRC, S_DST+5, 0x77, 0x19161310, , 1, 0
	STR	"scasl", S_SRC, S_DST+5, 0x77, 0x80000000, , 1, 0
	STR	"repne scasb", S_SRC, S_DST, 20, 0x10, , 1, 0
	STR	"repne scasb", S_SRC, S_DST, 4, 0x10, , 1, 0
	STR	"repne scasb", S_SRC, S_DST, 0, 0x10, FL_FIXED|FL_STATUS, 1, 0
	STR	"repe scasb", S_SRC, S_DST, 20, 0x01, , 1, 0
	STR	"repe scasw", S_SRC, S_DST, 20, 0x0401, , 1, 0
	STR	"repne scasl", S_SRC, S_DST, 8, 0x19161310, , 1, 0
	STR	"repne scasb", S_SRC, S_DST+20, 20, 0x10, FL_FIXED|FL_DF, 1, 0
	/* CMPS: source against the destination copy (mismatch at byte 9) */
	STR	"cmpsb", S_SRC, S_DST, 0x77, , , 1, 0
	STR	"cmpsb", S_SRC+9, S_DST+9, 0x77, , , 1, 0
	STR	"cmpsw", S_SRC+8, S_DST+8, 0x77, , , 1, 0
	STR	"cmpsl", S_SRC+8, S_DST+8, 0x77, , FL_FIXED|FL_STATUS, 1, 0
	STR	"repe cmpsb", S_SRC, S_DST, 16, , , 1, 0
	STR	"repe cmpsb", S_SRC, S_DST, 5, , , 1, 0
	STR	"repe cmpsb", S_SRC, S_DST, 0, , FL_FIXED|FL_STATUS, 1, 0
	STR	"repne cmpsb", S_SRC, S_DST, 16, , , 1, 0
	STR	"repne cmpsb", S_SRC+9, S_DST+9, 16, , , 1, 0
	STR	"repe cmpsw", S_SRC, S_DST, 16, , , 1, 0
	STR	"repe cmpsl", S_SRC, S_DST, 16, , , 1, 0
	STR	"repe cmpsb", S_SRC+20, S_DST+20, 16, , FL_FIXED|FL_DF, 1, 0
	STR	"repe cmpsl", S_SRC+20, S_DST+20, 16, , FL_FIXED|FL_DF, 1, 0
	STR	"repne cmpsb", S_SRC+20, S_DST+20, 16, , FL_FIXED|FL_DF, 0, 0

	PUTS	"isa_string: done\n"
	xor	%eax, %eax
	ret

	.section .data
	.balign 16
strbuf:	.skip	128
str_p:	.long	0
