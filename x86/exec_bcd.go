package x86

// BCD adjust instructions (invalid in 64-bit mode) and BOUND. Flags the APM
// leaves undefined are computed as AMD processors do where known, otherwise
// from the result (SF/ZF/PF) and cleared (OF).

// 27: DAA.
func execDaa(c *CPU, in *Inst) {
	f := c.Flags()
	al := c.GPR[RAX] & 0xff
	oldAL, oldCF := al, f&FlagCF != 0
	var cf, af bool
	if al&0xf > 9 || f&FlagAF != 0 {
		al += 6
		cf = oldCF || al > 0xff
		af = true
	}
	if oldAL > 0x99 || oldCF {
		al += 0x60
		cf = true
	}
	c.setBCD(al&0xff, cf, af)
}

// 2F: DAS.
func execDas(c *CPU, in *Inst) {
	f := c.Flags()
	al := c.GPR[RAX] & 0xff
	oldAL, oldCF := al, f&FlagCF != 0
	var cf, af bool
	if al&0xf > 9 || f&FlagAF != 0 {
		cf = oldCF || al < 6
		al -= 6
		af = true
	}
	if oldAL > 0x99 || oldCF {
		al -= 0x60
		cf = true
	}
	c.setBCD(al&0xff, cf, af)
}

func (c *CPU) setBCD(al uint64, cf, af bool) {
	c.GPR[RAX] = c.GPR[RAX]&^0xff | al
	nf := szp(al, 1)
	if cf {
		nf |= FlagCF
	}
	if af {
		nf |= FlagAF
	}
	c.setArith(nf)
}

// 37: AAA; 3F: AAS.
func execAaa(c *CPU, in *Inst) {
	f := c.Flags()
	ax := c.GPR[RAX] & 0xffff
	adj := ax&0xf > 9 || f&FlagAF != 0
	if adj {
		if in.Op == 0x37 {
			ax = ax + 0x106
		} else {
			ax = (ax - 6) & 0xffff
			ax = (ax&0xff | (ax>>8-1)<<8) & 0xffff
		}
	}
	ax &= 0xff0f
	c.GPR[RAX] = c.GPR[RAX]&^0xffff | ax&0xffff
	nf := szp(ax&0xff, 1)
	if adj {
		nf |= FlagAF | FlagCF
	}
	c.setArith(nf)
}

// D4: AAM imm8.
func execAam(c *CPU, in *Inst) {
	base := in.Imm & 0xff
	if base == 0 {
		c.raise(VecDE, 0)
	}
	al := c.GPR[RAX] & 0xff
	ah, nal := al/base, al%base
	c.GPR[RAX] = c.GPR[RAX]&^0xffff | ah<<8 | nal
	c.setArith(szp(nal, 1))
}

// D5: AAD imm8.
func execAad(c *CPU, in *Inst) {
	base := in.Imm & 0xff
	ax := c.GPR[RAX]
	al := (ax&0xff + (ax>>8&0xff)*base) & 0xff
	c.GPR[RAX] = c.GPR[RAX]&^0xffff | al
	c.setArith(szp(al, 1))
}

// 62: BOUND Gv,Ma (legacy modes): #BR when the index is out of bounds.
func execBound(c *CPU, in *Inst) {
	if !in.IsMem {
		c.raiseUD()
	}
	size := in.OpSize
	ea := c.ea(in)
	lo := signExt(c.read(in.Seg, ea, size), size)
	hi := signExt(c.read(in.Seg, (ea+uint64(size))&sizeMask[in.AdSize], size), size)
	idx := signExt(c.readReg(in), size)
	if int64(idx) < int64(lo) || int64(idx) > int64(hi) {
		c.fault = faultInfo{vector: VecBR, fromInsn: true}
		panic(faultPanic{})
	}
}
