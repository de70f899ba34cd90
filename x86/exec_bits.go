package x86

import "math/bits"

// Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT/POPCNT, and the
// atomic exchanges XADD, CMPXCHG, CMPXCHG8B/16B.

// btOp applies BT (0), BTS (1), BTR (2) or BTC (3) to bit b of v.
func (c *CPU) btOp(op uint8, v, b uint64) (uint64, bool) {
	f := c.Flags() &^ FlagCF
	if v>>b&1 != 0 {
		f |= FlagCF
	}
	c.lazyOp = lazyNone
	c.RFLAGS = f
	switch op {
	case 1:
		return v | 1<<b, true
	case 2:
		return v &^ (1 << b), true
	case 3:
		return v ^ 1<<b, true
	}
	return v, false
}

// execBt handles 0F A3/AB/B3/BB (bit offset in a register: for memory
// operands it may address outside the operand) and 0F BA /4-7 (immediate).
func execBt(c *CPU, in *Inst) {
	var op uint8
	var off uint64
	size := in.OpSize
	bitsz := uint64(size) * 8
	if in.Op == 0x1ba {
		r := (in.ModRM >> 3) & 7
		if r < 4 {
			c.raiseUD()
		}
		op = r - 4
		off = in.Imm & (bitsz - 1)
	} else {
		op = uint8(in.Op>>3) & 3
		off = c.readReg(in)
	}
	if !in.IsMem {
		v := c.getReg(size, in.RM, in.rex())
		if r, w := c.btOp(op, v, off&(bitsz-1)); w {
			c.setReg(size, in.RM, in.rex(), r)
		}
		return
	}
	ea := c.ea(in)
	if in.Op != 0x1ba {
		// The register offset is signed and selects an operand-sized word
		// relative to the effective address.
		so := int64(signExt(off, size))
		word := so >> (3 + bits.TrailingZeros64(uint64(size)))
		ea = (ea + uint64(word)*uint64(size)) & sizeMask[in.AdSize]
		off = uint64(so) & (bitsz - 1)
	}
	write := op != 0
	lin := c.segAddr(in.Seg, ea, size, write)
	if write {
		c.checkWritable(lin, size)
	}
	if r, w := c.btOp(op, c.readLin(lin, size), off); w {
		c.writeLin(lin, size, r)
	}
}

// 0F BC: BSF (TZCNT with F3); 0F BD: BSR (LZCNT with F3).
func execBsfBsr(c *CPU, in *Inst) {
	v := c.readRM(in) & sizeMask[in.OpSize]
	bitsz := uint64(in.OpSize) * 8
	f := c.Flags() &^ arithFlags
	if in.Prefix&pfxRep != 0 {
		// TZCNT / LZCNT: CF = source was zero, ZF = result is zero.
		var r uint64
		if in.Op == 0x1bc {
			r = uint64(bits.TrailingZeros64(v | 1<<bitsz))
		} else {
			r = uint64(bits.LeadingZeros64(v)) - (64 - bitsz)
		}
		if v == 0 {
			f |= FlagCF
		}
		if r == 0 {
			f |= FlagZF
		}
		c.lazyOp = lazyNone
		c.RFLAGS = f
		c.writeReg(in, r)
		return
	}
	if v == 0 {
		// Destination unchanged (AMD documents this), ZF set.
		c.lazyOp = lazyNone
		c.RFLAGS = f | FlagZF
		return
	}
	var r uint64
	if in.Op == 0x1bc {
		r = uint64(bits.TrailingZeros64(v))
	} else {
		r = 63 - uint64(bits.LeadingZeros64(v))
	}
	c.lazyOp = lazyNone
	c.RFLAGS = f | szp(r, in.OpSize)&FlagPF
	c.writeReg(in, r)
}

// F3 0F B8: POPCNT.
func execPopcnt(c *CPU, in *Inst) {
	if in.Prefix&pfxRep == 0 {
		c.raiseUD()
	}
	v := c.readRM(in) & sizeMask[in.OpSize]
	r := uint64(bits.OnesCount64(v))
	f := c.Flags() &^ arithFlags
	if v == 0 {
		f |= FlagZF
	}
	c.lazyOp = lazyNone
	c.RFLAGS = f
	c.writeReg(in, r)
}

// 0F C0/C1: XADD Ev,Gv.
func execXadd(c *CPU, in *Inst) {
	src := c.readReg(in)
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		r, _ := c.alu(aluADD, in.OpSize, v, src)
		c.writeReg(in, v)
		return r, true
	})
}

// 0F B0/B1: CMPXCHG Ev,Gv. The destination is always written (with its own
// value when the compare fails), as the processor does.
func execCmpxchg(c *CPU, in *Inst) {
	size := in.OpSize
	src := c.readReg(in)
	acc := c.getReg(size, RAX, false)
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		c.alu(aluCMP, size, acc, v)
		if acc == v {
			return src, true
		}
		c.setReg(size, RAX, false, v)
		return v, in.IsMem
	})
}

// 0F C7 /1: CMPXCHG8B / CMPXCHG16B (REX.W).
func execGrp9(c *CPU, in *Inst) {
	if (in.ModRM>>3)&7 != 1 || !in.IsMem {
		c.raiseUD()
	}
	ea := c.ea(in)
	f := c.Flags() &^ FlagZF
	if in.Prefix&pfxRexW != 0 {
		if ea&15 != 0 {
			c.raiseGP(0)
		}
		lin := c.segAddr(in.Seg, ea, 16, true)
		c.checkWritable(lin, 8)
		c.checkWritable(lin+8, 8)
		lo, hi := c.readLin(lin, 8), c.readLin(lin+8, 8)
		if lo == c.GPR[RAX] && hi == c.GPR[RDX] {
			c.writeLin(lin, 8, c.GPR[RBX])
			c.writeLin(lin+8, 8, c.GPR[RCX])
			f |= FlagZF
		} else {
			c.writeLin(lin, 8, lo)
			c.writeLin(lin+8, 8, hi)
			c.GPR[RAX], c.GPR[RDX] = lo, hi
		}
		c.lazyOp = lazyNone
		c.RFLAGS = f
		return
	}
	lin := c.segAddr(in.Seg, ea, 8, true)
	c.checkWritable(lin, 8)
	v := c.readLin(lin, 8)
	cmp := c.GPR[RDX]<<32 | c.GPR[RAX]&0xffffffff
	if v == cmp {
		c.writeLin(lin, 8, c.GPR[RCX]<<32|c.GPR[RBX]&0xffffffff)
		f |= FlagZF
	} else {
		c.writeLin(lin, 8, v)
		c.GPR[RAX] = v & 0xffffffff
		c.GPR[RDX] = v >> 32
	}
	c.lazyOp = lazyNone
	c.RFLAGS = f
}
