package x86

// opFlags describe how an opcode is decoded (operands, immediates, modes).
type opFlags uint16

const (
	fModRM   opFlags = 1 << iota // a ModRM byte follows
	fByte                        // operand size is 8 bits
	fImm8                        // imm8, sign-extended to the operand size
	fImm8u                       // imm8, zero-extended (I/O ports, INT n, ENTER level, shift counts)
	fImmZ                        // imm16 or imm32 (sign-extended to 64)
	fImmV                        // imm16, imm32 or imm64 (MOV r, imm)
	fImm16                       // imm16 (RET imm16, ENTER size)
	fMoffs                       // address-size absolute offset (MOV AL, moffs)
	fFar                         // far pointer ptr16:16/32 (invalid in 64-bit mode)
	fDef64                       // operand size defaults to 64 in 64-bit mode
	fFixed64                     // operand size is 64 in 64-bit mode whatever 66 says (near branches)
	fNo64                        // #UD in 64-bit mode
	fLock                        // LOCK allowed (with a memory destination)
	fGrpImm                      // F6/F7: immediate only for /0 and /1
	fRegOnly                     // ModRM always names registers, whatever mod says (MOV CR/DR)
)

// opEntry is one row of an opcode map.
type opEntry struct {
	f    opFlags
	exec func(c *CPU, in *Inst)
}

// decoder reads instruction bytes lazily, so that a fault on a later page is
// raised only when the instruction really reaches it.
type decoder struct {
	c     *CPU
	lin   uint64 // linear address of the first byte
	buf   []byte // bytes available without faulting (a RAM slice or fetched)
	n     int    // bytes consumed
	spill [16]byte
}

// byte returns the next instruction byte.
func (d *decoder) byte() byte {
	if d.n >= 15 {
		// An instruction longer than 15 bytes raises #GP(0).
		d.c.raiseGP(0)
	}
	if d.n >= len(d.buf) {
		if d.c.decodeLimit {
			d.c.raiseGP(0) // DecodeLen: the input ended inside the instruction
		}
		d.refill()
	}
	b := d.buf[d.n]
	d.n++
	return b
}

// refill makes at least one more byte available, fetching across a page
// boundary (which may fault).
func (d *decoder) refill() {
	k := copy(d.spill[:], d.buf)
	d.spill[k] = d.c.fetchByteSlow(d.lin + uint64(k))
	d.buf = d.spill[:k+1]
}

func (d *decoder) u16() uint16 { return uint16(d.byte()) | uint16(d.byte())<<8 }
func (d *decoder) u32() uint32 { return uint32(d.u16()) | uint32(d.u16())<<16 }
func (d *decoder) u64() uint64 { return uint64(d.u32()) | uint64(d.u32())<<32 }

// decode decodes the instruction at linear address lin into in. buf holds
// the bytes readable without faulting (possibly fewer than the instruction).
func (c *CPU) decode(in *Inst, lin uint64, buf []byte) {
	d := decoder{c: c, lin: lin, buf: buf}
	*in = Inst{Mode: c.mode, Base: regNone, Index: regNone, Seg: segNone}
	mode := c.mode
	var rex uint8
	var pfx uint8
	seg := uint8(segNone)
	var b byte
prefixes:
	for {
		b = d.byte()
		switch b {
		case 0x26, 0x2e, 0x36, 0x3e:
			seg = (b >> 3) & 3
			pfx |= pfxSeg
		case 0x64, 0x65:
			seg = b - 0x64 + FS
			pfx |= pfxSeg
		case 0x66:
			pfx |= pfxOpSz
		case 0x67:
			pfx |= pfxAdSz
		case 0xf0:
			pfx |= pfxLock
		case 0xf2:
			pfx = pfx&^pfxRep | pfxRepne
		case 0xf3:
			pfx = pfx&^pfxRepne | pfxRep
		default:
			if mode == Mode64 && b&0xf0 == 0x40 {
				rex = b // REX counts only right before the opcode
				continue
			}
			break prefixes
		}
		rex = 0 // a legacy prefix after REX cancels the REX
	}
	if rex != 0 {
		pfx |= pfxRex
		if rex&8 != 0 {
			pfx |= pfxRexW
		}
	}
	in.Prefix = pfx

	var e *opEntry
	op := uint16(b)
	if b == 0x0f {
		b = d.byte()
		op = 0x100 | uint16(b)
		e = &opTable0F[b]
	} else {
		e = &opTable[b]
	}
	in.Op = op
	f := e.f
	in.exec = e.exec
	if in.exec == nil || (f&fNo64 != 0 && mode == Mode64) {
		in.exec = execUD
	}

	// Operand and address sizes.
	switch mode {
	case Mode64:
		in.AdSize = 8
		if pfx&pfxAdSz != 0 {
			in.AdSize = 4
		}
		switch {
		case f&fByte != 0:
			in.OpSize = 1
		case rex&8 != 0 || f&fFixed64 != 0:
			in.OpSize = 8
		case pfx&pfxOpSz != 0:
			in.OpSize = 2
		case f&fDef64 != 0:
			in.OpSize = 8
		default:
			in.OpSize = 4
		}
	default:
		big := mode == Mode32
		if pfx&pfxAdSz != 0 {
			big = !big
		}
		in.AdSize = 2
		if big {
			in.AdSize = 4
		}
		big = mode == Mode32
		if pfx&pfxOpSz != 0 {
			big = !big
		}
		switch {
		case f&fByte != 0:
			in.OpSize = 1
		case big:
			in.OpSize = 4
		default:
			in.OpSize = 2
		}
	}

	if f&fModRM != 0 {
		m := d.byte()
		in.ModRM = m
		in.Reg = (m>>3)&7 | (rex&4)<<1
		if m >= 0xc0 || f&fRegOnly != 0 {
			in.RM = m&7 | (rex&1)<<3
		} else {
			in.IsMem = true
			d.modrmMem(in, m, rex)
		}
	} else if op < 0x100 || op >= 0x1c8 && op <= 0x1cf {
		in.Reg = b&7 | (rex&1)<<3 // +r forms (incl. BSWAP) take the register from the opcode
	}
	if op == 0xff && mode == Mode64 && rex&8 == 0 {
		// Group 5's near CALL, JMP and PUSH default to 64-bit operands in
		// 64-bit mode (66 selects 16 bits); INC, DEC and the far forms do not.
		switch (in.ModRM >> 3) & 7 {
		case 2, 4, 6:
			if pfx&pfxOpSz == 0 {
				in.OpSize = 8
			}
		}
	}
	if (op == 0xc4 || op == 0xc5 || op == 0x62) && !in.IsMem {
		in.exec = execUD // VEX/EVEX prefix in legacy modes (no AVX), or a register BOUND/LES/LDS
	}
	if seg != segNone {
		in.Seg = seg
	} else if in.Seg == segNone {
		in.Seg = DS
	}

	// Immediates.
	switch {
	case f&fImm8 != 0:
		in.Imm = uint64(int64(int8(d.byte())))
	case f&fImm8u != 0:
		in.Imm = uint64(d.byte())
	case f&fImmZ != 0:
		if in.OpSize == 2 {
			in.Imm = uint64(int64(int16(d.u16())))
		} else {
			in.Imm = uint64(int64(int32(d.u32())))
		}
	case f&fImmV != 0:
		switch in.OpSize {
		case 2:
			in.Imm = uint64(d.u16())
		case 4:
			in.Imm = uint64(d.u32())
		default:
			in.Imm = d.u64()
		}
	case f&fImm16 != 0:
		in.Imm = uint64(d.u16())
		if op == 0xc8 { // ENTER imm16, imm8
			in.Imm2 = uint64(d.byte())
		}
	case f&fMoffs != 0:
		switch in.AdSize {
		case 2:
			in.Disp = int64(d.u16())
		case 4:
			in.Disp = int64(d.u32())
		default:
			in.Disp = int64(d.u64())
		}
		in.IsMem = true
	case f&fFar != 0:
		if in.OpSize == 2 {
			in.Imm = uint64(d.u16())
		} else {
			in.Imm = uint64(d.u32())
		}
		in.Imm2 = uint64(d.u16())
	case f&fGrpImm != 0:
		if (in.ModRM>>3)&7 < 2 { // TEST r/m, imm
			switch in.OpSize {
			case 1:
				in.Imm = uint64(d.byte())
			case 2:
				in.Imm = uint64(int64(int16(d.u16())))
			default:
				in.Imm = uint64(int64(int32(d.u32())))
			}
		}
	}
	if pfx&pfxLock != 0 && (f&fLock == 0 || !in.IsMem || !lockableReg(op, (in.ModRM>>3)&7)) {
		in.exec = execUD // LOCK on an instruction that does not allow it
	}
	in.Len = uint8(d.n)
	specialise(in)
}

// lockableReg refines fLock for group opcodes whose ModRM.reg selects the
// operation: LOCK is valid only for the read-modify-write members.
func lockableReg(op uint16, reg uint8) bool {
	switch op {
	case 0x80, 0x81, 0x82, 0x83:
		return reg != 7 // not CMP
	case 0xf6, 0xf7:
		return reg == 2 || reg == 3 // NOT, NEG
	case 0xfe, 0xff:
		return reg <= 1 // INC, DEC
	case 0x1ba:
		return reg >= 5 // BTS, BTR, BTC
	case 0x1c7:
		return reg == 1 // CMPXCHG8B/16B
	}
	return true
}

// modrmMem decodes the memory form of a ModRM byte (with SIB and
// displacement) into in.Base, in.Index, in.Scale, in.Disp and the default
// segment.
func (d *decoder) modrmMem(in *Inst, m, rex uint8) {
	mod, rm := m>>6, m&7
	if in.AdSize == 2 {
		// 16-bit addressing: fixed base/index pairs.
		bases := [8]uint8{RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX}
		idx := [8]uint8{RSI, RDI, RSI, RDI, regNone, regNone, regNone, regNone}
		in.Base, in.Index = bases[rm], idx[rm]
		if rm == 2 || rm == 3 || rm == 6 {
			in.Seg = SS
		}
		switch mod {
		case 0:
			if rm == 6 {
				in.Base = regNone
				in.Seg = segNone
				in.Disp = int64(d.u16())
			}
		case 1:
			in.Disp = int64(int8(d.byte()))
		case 2:
			in.Disp = int64(int16(d.u16()))
		}
		return
	}
	if rm == 4 {
		sib := d.byte()
		in.Scale = sib >> 6
		if i := (sib>>3)&7 | (rex&2)<<2; i != RSP {
			in.Index = i
		}
		base := sib&7 | (rex&1)<<3
		if sib&7 == 5 && mod == 0 {
			in.Disp = int64(int32(d.u32()))
		} else {
			in.Base = base
		}
	} else if rm == 5 && mod == 0 {
		if in.Mode == Mode64 {
			in.Base = regRIP
		}
		in.Disp = int64(int32(d.u32()))
	} else {
		in.Base = rm | (rex&1)<<3
	}
	if in.Base == RSP || in.Base == RBP {
		in.Seg = SS
	}
	switch mod {
	case 1:
		in.Disp = int64(int8(d.byte()))
	case 2:
		in.Disp = int64(int32(d.u32()))
	}
}

// fetchByteSlow fetches one instruction byte through the translation path
// (raising #PF as needed).
func (c *CPU) fetchByteSlow(lin uint64) byte {
	pa := c.translate(lin, accExec)
	if pa < uint64(len(c.RAM)) {
		return c.RAM[pa]
	}
	var b [1]byte
	c.Platform.ReadMMIO(pa, b[:])
	return b[0]
}
