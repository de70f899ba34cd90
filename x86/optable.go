package x86

// Flag combinations used in the tables.
const (
	mEbGb = fModRM | fByte
	mEvGv = fModRM
)

// opTable is the one-byte opcode map (AMD APM vol. 3, appendix A.1). A nil
// handler decodes as #UD. Prefix bytes never reach the table.
var opTable [256]opEntry

// opTable0F is the two-byte (0F xx) opcode map.
var opTable0F [256]opEntry

func init() {
	t := &opTable
	// 00-3F: the eight ALU operations in six forms each.
	for op := 0; op < 8; op++ {
		b := op << 3
		t[b+0] = opEntry{mEbGb | fLock, execAluEG}
		t[b+1] = opEntry{mEvGv | fLock, execAluEG}
		t[b+2] = opEntry{mEbGb, execAluGE}
		t[b+3] = opEntry{mEvGv, execAluGE}
		t[b+4] = opEntry{fByte | fImm8u, execAluAI}
		t[b+5] = opEntry{fImmZ, execAluAI}
	}
	t[0x38] = opEntry{mEbGb, execAluEG} // CMP has no LOCK form
	t[0x39] = opEntry{mEvGv, execAluEG}
	/* 0x06 - 0x1f */
	t[0x06] = opEntry{fNo64, execPushSeg}
	t[0x07] = opEntry{fNo64, execPopSeg}
	t[0x0e] = opEntry{fNo64, execPushSeg}
	t[0x16] = opEntry{fNo64, execPushSeg}
	t[0x17] = opEntry{fNo64, execPopSeg}
	t[0x1e] = opEntry{fNo64, execPushSeg}
	t[0x1f] = opEntry{fNo64, execPopSeg}
	t[0x27] = opEntry{fNo64, execDaa}
	t[0x2f] = opEntry{fNo64, execDas}
	t[0x37] = opEntry{fNo64, execAaa}
	t[0x3f] = opEntry{fNo64, execAaa}
	/* 0x40 - 0x4f: INC/DEC r (REX prefixes in 64-bit mode) */
	for r := 0x40; r < 0x50; r++ {
		t[r] = opEntry{fNo64, execIncDecReg}
	}
	/* 0x50 - 0x5f */
	for r := 0x50; r < 0x58; r++ {
		t[r] = opEntry{fDef64, execPushR}
		t[r+8] = opEntry{fDef64, execPopR}
	}
	t[0x60] = opEntry{fNo64, execPusha}
	t[0x61] = opEntry{fNo64, execPopa}
	t[0x62] = opEntry{fModRM | fNo64, execBound}
	t[0x63] = opEntry{fModRM, execArplOrMovsxd}
	t[0x68] = opEntry{fDef64 | fImmZ, execPushI}
	t[0x69] = opEntry{fModRM | fImmZ, execImul3}
	t[0x6a] = opEntry{fDef64 | fImm8, execPushI}
	t[0x6b] = opEntry{fModRM | fImm8, execImul3}
	t[0x6c] = opEntry{fByte, execIns}
	t[0x6d] = opEntry{0, execIns}
	t[0x6e] = opEntry{fByte, execOuts}
	t[0x6f] = opEntry{0, execOuts}
	/* 0x70 - 0x7f: Jcc rel8 */
	for cc := 0x70; cc < 0x80; cc++ {
		t[cc] = opEntry{fDef64 | fImm8, execJcc}
	}
	/* 0x80 - 0x8f */
	t[0x80] = opEntry{mEbGb | fImm8u | fLock, execGrp1}
	t[0x81] = opEntry{mEvGv | fImmZ | fLock, execGrp1}
	t[0x82] = opEntry{mEbGb | fImm8u | fLock | fNo64, execGrp1}
	t[0x83] = opEntry{mEvGv | fImm8 | fLock, execGrp1}
	t[0x84] = opEntry{mEbGb, execTestEG}
	t[0x85] = opEntry{mEvGv, execTestEG}
	t[0x86] = opEntry{mEbGb | fLock, execXchgEG}
	t[0x87] = opEntry{mEvGv | fLock, execXchgEG}
	t[0x88] = opEntry{mEbGb, execMovEG}
	t[0x89] = opEntry{mEvGv, execMovEG}
	t[0x8a] = opEntry{mEbGb, execMovGE}
	t[0x8b] = opEntry{mEvGv, execMovGE}
	t[0x8c] = opEntry{fModRM, execMovESreg}
	t[0x8d] = opEntry{fModRM, execLea}
	t[0x8e] = opEntry{fModRM, execMovSregE}
	t[0x8f] = opEntry{fModRM | fDef64, execPopE}
	/* 0x90 - 0x9f */
	for r := 0x90; r < 0x98; r++ {
		t[r] = opEntry{0, execXchgAR}
	}
	t[0x98] = opEntry{0, execCbw}
	t[0x99] = opEntry{0, execCwd}
	t[0x9a] = opEntry{fFar | fNo64, execCallFar}
	t[0x9b] = opEntry{0, execWait}
	t[0x9c] = opEntry{fDef64, execPushf}
	t[0x9d] = opEntry{fDef64, execPopf}
	t[0x9e] = opEntry{0, execSahf}
	t[0x9f] = opEntry{0, execLahf}
	/* 0xa0 - 0xaf */
	t[0xa0] = opEntry{fByte | fMoffs, execMovMoffs}
	t[0xa1] = opEntry{fMoffs, execMovMoffs}
	t[0xa2] = opEntry{fByte | fMoffs, execMovMoffs}
	t[0xa3] = opEntry{fMoffs, execMovMoffs}
	t[0xa4] = opEntry{fByte, execMovs}
	t[0xa5] = opEntry{0, execMovs}
	t[0xa6] = opEntry{fByte, execCmps}
	t[0xa7] = opEntry{0, execCmps}
	t[0xaa] = opEntry{fByte, execStos}
	t[0xab] = opEntry{0, execStos}
	t[0xac] = opEntry{fByte, execLods}
	t[0xad] = opEntry{0, execLods}
	t[0xae] = opEntry{fByte, execScas}
	t[0xaf] = opEntry{0, execScas}
	t[0xa8] = opEntry{fByte | fImm8u, execTestAI}
	t[0xa9] = opEntry{fImmZ, execTestAI}
	/* 0xb0 - 0xbf */
	for r := 0xb0; r < 0xb8; r++ {
		t[r] = opEntry{fByte | fImm8u, execMovRI}
		t[r+8] = opEntry{fImmV, execMovRI}
	}
	/* 0xc0 - 0xcf */
	t[0xc0] = opEntry{mEbGb | fImm8u, execGrp2}
	t[0xc1] = opEntry{mEvGv | fImm8u, execGrp2}
	t[0xc2] = opEntry{fDef64 | fImm16, execRet}
	t[0xc3] = opEntry{fDef64, execRet}
	t[0xc4] = opEntry{fModRM | fNo64, execLoadFar}
	t[0xc5] = opEntry{fModRM | fNo64, execLoadFar}
	t[0xc6] = opEntry{mEbGb | fImm8u, execMovEI}
	t[0xc7] = opEntry{mEvGv | fImmZ, execMovEI}
	t[0xc8] = opEntry{fDef64 | fImm16, execEnter}
	t[0xc9] = opEntry{fDef64, execLeave}
	t[0xca] = opEntry{fImm16, execRetf}
	t[0xcb] = opEntry{0, execRetf}
	t[0xcc] = opEntry{0, execInt3}
	t[0xcd] = opEntry{fImm8u, execIntN}
	t[0xce] = opEntry{fNo64, execInto}
	t[0xcf] = opEntry{0, execIret}
	/* 0xd0 - 0xdf */
	t[0xd0] = opEntry{mEbGb, execGrp2}
	t[0xd1] = opEntry{mEvGv, execGrp2}
	t[0xd2] = opEntry{mEbGb, execGrp2}
	t[0xd3] = opEntry{mEvGv, execGrp2}
	t[0xd4] = opEntry{fImm8u | fNo64, execAam}
	t[0xd5] = opEntry{fImm8u | fNo64, execAad}
	t[0xd7] = opEntry{fByte, execXlat}
	for op := 0xd8; op < 0xe0; op++ {
		t[op] = opEntry{fModRM, execX87}
	}
	/* 0xe0 - 0xef */
	for op := 0xe0; op < 0xe4; op++ {
		t[op] = opEntry{fDef64 | fImm8, execLoop}
	}
	t[0xe4] = opEntry{fByte | fImm8u, execIn}
	t[0xe5] = opEntry{fImm8u, execIn}
	t[0xe6] = opEntry{fByte | fImm8u, execOut}
	t[0xe7] = opEntry{fImm8u, execOut}
	t[0xe8] = opEntry{fDef64 | fImmZ, execCallRel}
	t[0xe9] = opEntry{fDef64 | fImmZ, execJmpRel}
	t[0xea] = opEntry{fFar | fNo64, execJmpFar}
	t[0xeb] = opEntry{fDef64 | fImm8, execJmpRel}
	t[0xec] = opEntry{fByte, execIn}
	t[0xed] = opEntry{0, execIn}
	t[0xee] = opEntry{fByte, execOut}
	t[0xef] = opEntry{0, execOut}
	/* 0xf0 - 0xff */
	t[0xf1] = opEntry{0, execIcebp}
	t[0xf4] = opEntry{0, execHlt}
	t[0xf5] = opEntry{0, execCarry}
	t[0xf6] = opEntry{mEbGb | fGrpImm | fLock, execGrp3}
	t[0xf7] = opEntry{mEvGv | fGrpImm | fLock, execGrp3}
	t[0xf8] = opEntry{0, execCarry}
	t[0xf9] = opEntry{0, execCarry}
	t[0xfa] = opEntry{0, execCli}
	t[0xfb] = opEntry{0, execSti}
	t[0xfc] = opEntry{0, execDir}
	t[0xfd] = opEntry{0, execDir}
	t[0xfe] = opEntry{mEbGb | fLock, execGrp4}
	t[0xff] = opEntry{mEvGv | fLock, execGrp5}

	u := &opTable0F
	/* 0F 00 - 0F 3F: system */
	u[0x00] = opEntry{fModRM, execGrp6}
	u[0x01] = opEntry{fModRM, execGrp7}
	u[0x02] = opEntry{fModRM, execLarLsl}
	u[0x03] = opEntry{fModRM, execLarLsl}
	u[0x05] = opEntry{0, execSyscall}
	u[0x06] = opEntry{0, execClts}
	u[0x07] = opEntry{0, execSysret}
	u[0x08] = opEntry{0, execInvd}
	u[0x09] = opEntry{0, execInvd}
	u[0x0b] = opEntry{0, execUD}
	u[0x0d] = opEntry{fModRM, execNopModRM} // PREFETCH/PREFETCHW
	for op := 0x18; op < 0x20; op++ {
		u[op] = opEntry{fModRM, execNopModRM} // hint NOPs, ENDBR64 (F3 0F 1E FA)
	}
	u[0x20] = opEntry{fModRM | fRegOnly, execMovCR}
	u[0x21] = opEntry{fModRM | fRegOnly, execMovDR}
	u[0x22] = opEntry{fModRM | fRegOnly, execMovCR}
	u[0x23] = opEntry{fModRM | fRegOnly, execMovDR}
	u[0x30] = opEntry{0, execWrmsr}
	u[0x31] = opEntry{0, execRdtsc}
	u[0x32] = opEntry{0, execRdmsr}
	u[0x33] = opEntry{0, execRdpmc}
	u[0x34] = opEntry{0, execSysenter}
	u[0x35] = opEntry{0, execSysexit}
	u[0xa2] = opEntry{0, execCPUID}
	u[0xaa] = opEntry{0, execRsm}
	u[0xae] = opEntry{fModRM, execGrp15}
	u[0xb9] = opEntry{fModRM, execUD}
	u[0xff] = opEntry{fModRM, execUD}
	/* 0F 40 - 0F 4F: CMOVcc */
	for cc := 0x40; cc < 0x50; cc++ {
		u[cc] = opEntry{fModRM, execCmov}
	}
	/* 0F 80 - 0F 8F: Jcc relz */
	for cc := 0x80; cc < 0x90; cc++ {
		u[cc] = opEntry{fDef64 | fImmZ, execJcc}
	}
	/* 0F 90 - 0F 9F: SETcc */
	for cc := 0x90; cc < 0xa0; cc++ {
		u[cc] = opEntry{fModRM | fByte, execSetcc}
	}
	u[0xa0] = opEntry{fDef64, execPushSeg}
	u[0xa1] = opEntry{fDef64, execPopSeg}
	u[0xa8] = opEntry{fDef64, execPushSeg}
	u[0xa9] = opEntry{fDef64, execPopSeg}
	u[0xa4] = opEntry{fModRM | fImm8u, execShd}
	u[0xa5] = opEntry{fModRM, execShd}
	u[0xac] = opEntry{fModRM | fImm8u, execShd}
	u[0xad] = opEntry{fModRM, execShd}
	u[0xa3] = opEntry{fModRM, execBt}
	u[0xab] = opEntry{fModRM | fLock, execBt}
	u[0xb3] = opEntry{fModRM | fLock, execBt}
	u[0xbb] = opEntry{fModRM | fLock, execBt}
	u[0xba] = opEntry{fModRM | fImm8u | fLock, execBt}
	u[0xbc] = opEntry{fModRM, execBsfBsr}
	u[0xbd] = opEntry{fModRM, execBsfBsr}
	u[0xb8] = opEntry{fModRM, execPopcnt}
	u[0xc0] = opEntry{fModRM | fByte | fLock, execXadd}
	u[0xc1] = opEntry{fModRM | fLock, execXadd}
	u[0xb0] = opEntry{fModRM | fByte | fLock, execCmpxchg}
	u[0xb1] = opEntry{fModRM | fLock, execCmpxchg}
	u[0xc7] = opEntry{fModRM | fLock, execGrp9}
	u[0xaf] = opEntry{fModRM, execImul3}
	u[0xb2] = opEntry{fModRM, execLoadFar}
	u[0xb4] = opEntry{fModRM, execLoadFar}
	u[0xb5] = opEntry{fModRM, execLoadFar}
	u[0xb6] = opEntry{fModRM, execMovx}
	u[0xb7] = opEntry{fModRM, execMovx}
	u[0xbe] = opEntry{fModRM, execMovx}
	u[0xbf] = opEntry{fModRM, execMovx}
	for r := 0xc8; r < 0xd0; r++ {
		u[r] = opEntry{0, execBswap}
	}
}

// 63: ARPL Ew,Gw (legacy protected mode) or MOVSXD Gv,Ed (64-bit mode).
func execArplOrMovsxd(c *CPU, in *Inst) {
	if c.mode == Mode64 {
		execMovsxd(c, in)
		return
	}
	if c.realMode() {
		c.raiseUD()
	}
	in2 := *in
	in2.OpSize = 2
	dst := c.readRM(&in2)
	src := c.GPR[in.Reg] & 3
	c.materialize()
	if dst&3 < src {
		c.writeRM(&in2, dst&^3|src)
		c.RFLAGS |= FlagZF
	} else {
		c.RFLAGS &^= FlagZF
	}
}
