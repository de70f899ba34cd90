package x86

import "math/bits"

// ALU operation numbers, as in opcode bits 5:3 and group 1's ModRM.reg.
const (
	aluADD = iota
	aluOR
	aluADC
	aluSBB
	aluAND
	aluSUB
	aluXOR
	aluCMP
)

// alu computes a op b for an operand of size bytes, sets the flags, and
// reports whether the result is written back (not for CMP).
func (c *CPU) alu(op uint8, size uint8, a, b uint64) (uint64, bool) {
	var r uint64
	switch op {
	case aluADD:
		r = a + b
		c.lazyCin = false
		c.setLazy(lazyAdd, size, a, b, r)
	case aluOR:
		r = a | b
		c.setLazy(lazyLogic, size, a, b, r)
	case aluADC:
		cin := c.cf()
		r = a + b
		if cin {
			r++
		}
		c.lazyCin = cin
		c.setLazy(lazyAdd, size, a, b, r)
	case aluSBB:
		cin := c.cf()
		r = a - b
		if cin {
			r--
		}
		c.lazyCin = cin
		c.setLazy(lazySub, size, a, b, r)
	case aluAND:
		r = a & b
		c.setLazy(lazyLogic, size, a, b, r)
	case aluSUB, aluCMP:
		r = a - b
		c.lazyCin = false
		c.setLazy(lazySub, size, a, b, r)
	case aluXOR:
		r = a ^ b
		c.setLazy(lazyLogic, size, a, b, r)
	}
	return r & sizeMask[size], op != aluCMP
}

// aluOp extracts the ALU operation from an 00-3F opcode.
func aluOp(in *Inst) uint8 { return uint8(in.Op>>3) & 7 }

// 00/08/.../38: op Eb,Gb and 01/09/...: op Ev,Gv.
func execAluEG(c *CPU, in *Inst) {
	b := c.readReg(in)
	op := aluOp(in)
	if !in.IsMem {
		a := c.getReg(in.OpSize, in.RM, in.rex())
		if r, ok := c.alu(op, in.OpSize, a, b); ok {
			c.setReg(in.OpSize, in.RM, in.rex(), r)
		}
		return
	}
	lin := c.segAddr(in.Seg, c.ea(in), in.OpSize, op != aluCMP)
	if op != aluCMP {
		c.checkWritable(lin, in.OpSize)
	}
	if r, ok := c.alu(op, in.OpSize, c.readLin(lin, in.OpSize), b); ok {
		c.writeLin(lin, in.OpSize, r)
	}
}

// 02/0A/...: op Gb,Eb and 03/0B/...: op Gv,Ev.
func execAluGE(c *CPU, in *Inst) {
	b := c.readRM(in)
	if r, ok := c.alu(aluOp(in), in.OpSize, c.readReg(in), b); ok {
		c.writeReg(in, r)
	}
}

// 04/0C/...: op AL,Ib and 05/0D/...: op eAX,Iz.
func execAluAI(c *CPU, in *Inst) {
	a := c.getReg(in.OpSize, RAX, false)
	if r, ok := c.alu(aluOp(in), in.OpSize, a, in.Imm&sizeMask[in.OpSize]); ok {
		c.setReg(in.OpSize, RAX, false, r)
	}
}

// 80/81/83: group 1, op Ev,imm.
func execGrp1(c *CPU, in *Inst) {
	op := (in.ModRM >> 3) & 7
	imm := in.Imm & sizeMask[in.OpSize]
	if !in.IsMem {
		a := c.getReg(in.OpSize, in.RM, in.rex())
		if r, ok := c.alu(op, in.OpSize, a, imm); ok {
			c.setReg(in.OpSize, in.RM, in.rex(), r)
		}
		return
	}
	lin := c.segAddr(in.Seg, c.ea(in), in.OpSize, op != aluCMP)
	if op != aluCMP {
		c.checkWritable(lin, in.OpSize)
	}
	if r, ok := c.alu(op, in.OpSize, c.readLin(lin, in.OpSize), imm); ok {
		c.writeLin(lin, in.OpSize, r)
	}
}

// 84/85: TEST Ev,Gv.
func execTestEG(c *CPU, in *Inst) {
	a := c.readRM(in)
	c.alu(aluAND, in.OpSize, a, c.readReg(in))
}

// A8/A9: TEST AL/eAX,imm.
func execTestAI(c *CPU, in *Inst) {
	c.alu(aluAND, in.OpSize, c.getReg(in.OpSize, RAX, false), in.Imm&sizeMask[in.OpSize])
}

// 40-47 (legacy modes): INC r; 48-4F: DEC r.
func execIncDecReg(c *CPU, in *Inst) {
	a := c.getReg(in.OpSize, in.Reg, false)
	c.setReg(in.OpSize, in.Reg, false, c.incDec(in.Op&8 != 0, in.OpSize, a))
}

// incDec computes INC or DEC with their flags (CF preserved).
func (c *CPU) incDec(dec bool, size uint8, a uint64) uint64 {
	cf := c.cf()
	var r uint64
	if dec {
		r = a - 1
		c.setLazy(lazyDec, size, a, 1, r)
	} else {
		r = a + 1
		c.setLazy(lazyInc, size, a, 1, r)
	}
	c.lazyCin = cf
	return r & sizeMask[size]
}

// FE/FF /0 /1: INC/DEC Ev.
func execIncDecRM(c *CPU, in *Inst) {
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		return c.incDec(in.ModRM&0x08 != 0, in.OpSize, v), true
	})
}

// F6/F7: group 3 (TEST, NOT, NEG, MUL, IMUL, DIV, IDIV).
func execGrp3(c *CPU, in *Inst) {
	size := in.OpSize
	switch (in.ModRM >> 3) & 7 {
	case 0, 1:
		c.alu(aluAND, size, c.readRM(in), in.Imm&sizeMask[size])
	case 2:
		c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) { return ^v & sizeMask[in.OpSize], true })
	case 3:
		c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
			r, _ := c.alu(aluSUB, in.OpSize, 0, v&sizeMask[in.OpSize])
			return r, true
		})
	case 4:
		c.mul(size, c.readRM(in), false)
	case 5:
		c.mul(size, c.readRM(in), true)
	case 6:
		c.div(size, c.readRM(in), false)
	case 7:
		c.div(size, c.readRM(in), true)
	}
}

// signExt sign-extends an n-byte value to 64 bits.
func signExt(v uint64, size uint8) uint64 {
	s := 64 - 8*uint(size)
	return uint64(int64(v<<s) >> s)
}

// mul implements MUL/IMUL with one operand: rDX:rAX = rAX * v.
func (c *CPU) mul(size uint8, v uint64, signed bool) {
	m := sizeMask[size]
	a := c.GPR[RAX] & m
	v &= m
	var lo, hi uint64
	var over bool
	switch {
	case size == 8 && !signed:
		hi, lo = bits.Mul64(a, v)
		over = hi != 0
	case size == 8:
		hi, lo = mulSigned64(int64(a), int64(v))
		over = hi != uint64(int64(lo)>>63)
	case !signed:
		p := a * v
		lo, hi = p&m, p>>(8*size)&m
		over = hi != 0
	default:
		p := int64(signExt(a, size)) * int64(signExt(v, size))
		lo, hi = uint64(p)&m, uint64(p>>(8*size))&m
		over = uint64(p) != signExt(uint64(p)&m, size)
	}
	if size == 1 {
		c.GPR[RAX] = c.GPR[RAX]&^0xffff | hi<<8 | lo
	} else {
		c.setReg(size, RAX, false, lo)
		c.setReg(size, RDX, false, hi)
	}
	c.setMulFlags(lo, size, over)
}

// setMulFlags sets CF=OF=over; SF, ZF, PF follow the low half as AMD
// processors do (they are architecturally undefined).
func (c *CPU) setMulFlags(lo uint64, size uint8, over bool) {
	f := szp(lo, size)
	if over {
		f |= FlagCF | FlagOF
	}
	c.setArith(f)
}

func mulSigned64(a, b int64) (hi, lo uint64) {
	h, l := bits.Mul64(uint64(a), uint64(b))
	if a < 0 {
		h -= uint64(b)
	}
	if b < 0 {
		h -= uint64(a)
	}
	return h, l
}

// div implements DIV/IDIV: rDX:rAX / v, raising #DE on a zero divisor or an
// overflowing quotient.
func (c *CPU) div(size uint8, v uint64, signed bool) {
	m := sizeMask[size]
	v &= m
	if v == 0 {
		c.raise(VecDE, 0)
	}
	var hi, lo uint64
	if size == 1 {
		hi, lo = c.GPR[RAX]>>8&0xff, c.GPR[RAX]&0xff
	} else {
		hi, lo = c.GPR[RDX]&m, c.GPR[RAX]&m
	}
	var q, r uint64
	if !signed {
		if size == 8 {
			if hi >= v {
				c.raise(VecDE, 0)
			}
			q, r = bits.Div64(hi, lo, v)
		} else {
			n := hi<<(8*size) | lo
			q, r = n/v, n%v
			if q > m {
				c.raise(VecDE, 0)
			}
		}
	} else {
		var ok bool
		q, r, ok = idiv(hi, lo, v, size)
		if !ok {
			c.raise(VecDE, 0)
		}
	}
	if size == 1 {
		c.GPR[RAX] = c.GPR[RAX]&^0xffff | (r&0xff)<<8 | q&0xff
	} else {
		c.setReg(size, RAX, false, q)
		c.setReg(size, RDX, false, r)
	}
}

// idiv divides the signed double-width hi:lo by v (all size bytes wide).
func idiv(hi, lo, v uint64, size uint8) (q, r uint64, ok bool) {
	m := sizeMask[size]
	if size < 8 {
		n := int64(hi<<32 | lo) // size 4: the dividend is 64 bits
		if size < 4 {
			n = int64(signExt(hi<<(8*size)|lo, 2*size))
		}
		d := int64(signExt(v, size))
		if d == -1 && n == -1<<63 {
			return 0, 0, false
		}
		qq, rr := n/d, n%d
		if qq != int64(signExt(uint64(qq)&m, size)) {
			return 0, 0, false
		}
		return uint64(qq) & m, uint64(rr) & m, true
	}
	// 128-by-64 signed division via magnitudes.
	neg := int64(hi) < 0
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	d := v
	dneg := int64(v) < 0
	if dneg {
		d = -v
	}
	if hi >= d {
		return 0, 0, false
	}
	uq, ur := bits.Div64(hi, lo, d)
	qneg := neg != dneg
	if qneg {
		if uq > 1<<63 {
			return 0, 0, false
		}
		uq = -uq
	} else if uq >= 1<<63 {
		return 0, 0, false
	}
	if neg {
		ur = -ur
	}
	return uq, ur, true
}

// 69/6B: IMUL Gv,Ev,imm; 0F AF: IMUL Gv,Ev.
func execImul3(c *CPU, in *Inst) {
	a := c.readRM(in)
	b := in.Imm
	if in.Op == 0x1af {
		b = c.readReg(in)
	}
	c.imul2(in, a, b)
}

func (c *CPU) imul2(in *Inst, a, b uint64) {
	size := in.OpSize
	var lo uint64
	var over bool
	if size == 8 {
		var hi uint64
		hi, lo = mulSigned64(int64(a), int64(b))
		over = hi != uint64(int64(lo)>>63)
	} else {
		p := int64(signExt(a, size)) * int64(signExt(b&sizeMask[size], size))
		lo = uint64(p) & sizeMask[size]
		over = uint64(p) != signExt(lo, size)
	}
	c.writeReg(in, lo)
	c.setMulFlags(lo, size, over)
}
