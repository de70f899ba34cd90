package x86

// Shift and rotate operations (group 2 and SHLD/SHRD). Flags follow AMD's
// behaviour where the APM leaves them undefined: OF is computed as for a
// 1-bit shift by the final step, AF is cleared.

// shiftCount returns the masked count for group 2's source operand.
func (c *CPU) shiftCount(in *Inst) uint64 {
	var n uint64
	switch in.Op {
	case 0xc0, 0xc1:
		n = in.Imm
	case 0xd0, 0xd1:
		n = 1
	default: // D2, D3
		n = c.GPR[RCX]
	}
	if in.OpSize == 8 {
		return n & 63
	}
	return n & 31
}

// C0/C1/D0-D3: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR).
func execGrp2(c *CPU, in *Inst) {
	n := c.shiftCount(in)
	op := (in.ModRM >> 3) & 7
	if n == 0 {
		// A zero count changes nothing, not even flags, but the operand is
		// still read (and may fault).
		if in.IsMem {
			c.checkWritable(c.segAddr(in.Seg, c.ea(in), in.OpSize, true), in.OpSize)
		}
		return
	}
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		return c.shiftOp(op, in.OpSize, v, n), true
	})
}

// shiftOp applies group-2 operation op to v (size bytes) by n (1..63).
func (c *CPU) shiftOp(op uint8, size uint8, v, n uint64) uint64 {
	bitsz := uint64(size) * 8
	m := sizeMask[size]
	v &= m
	sign := func(x uint64) uint64 { return x >> (bitsz - 1) & 1 }
	f := c.Flags()
	var r uint64
	var cf, of uint64
	switch op {
	case 0: // ROL
		k := n % bitsz
		r = (v<<k | v>>((bitsz-k)%bitsz)) & m
		cf = r & 1
		of = sign(r) ^ cf
		c.setCFOF(f, cf, of)
		return r
	case 1: // ROR
		k := n % bitsz
		r = (v>>k | v<<((bitsz-k)%bitsz)) & m
		cf = sign(r)
		of = sign(r) ^ (r >> (bitsz - 2) & 1)
		c.setCFOF(f, cf, of)
		return r
	case 2, 3: // RCL, RCR: rotate through CF over size*8+1 bits
		k := n
		if size < 4 {
			k = n % (bitsz + 1)
		}
		r = v
		cf = f & FlagCF
		for i := uint64(0); i < k; i++ {
			if op == 2 {
				out := sign(r)
				r = (r<<1 | cf) & m
				cf = out
			} else {
				out := r & 1
				r = r>>1 | cf<<(bitsz-1)
				cf = out
			}
		}
		if op == 2 {
			of = sign(r) ^ cf
		} else {
			of = sign(r) ^ (r >> (bitsz - 2) & 1)
		}
		if k == 0 {
			return v
		}
		c.setCFOF(f, cf, of)
		return r
	case 4, 6: // SHL/SAL
		r = v << n & m
		if n <= bitsz {
			cf = v >> (bitsz - n) & 1
		}
		of = sign(r) ^ cf
	case 5: // SHR
		r = v >> n
		cf = v >> (n - 1) & 1
		of = sign(v)
	case 7: // SAR
		sv := int64(signExt(v, size))
		r = uint64(sv>>n) & m
		cf = uint64(sv>>(n-1)) & 1
		of = 0
	}
	nf := szp(r, size)
	if cf != 0 {
		nf |= FlagCF
	}
	if of != 0 {
		nf |= FlagOF
	}
	c.setArith(nf)
	return r
}

// setCFOF sets CF and OF (rotates leave SF, ZF, AF, PF alone).
func (c *CPU) setCFOF(f, cf, of uint64) {
	f &^= FlagCF | FlagOF
	if cf != 0 {
		f |= FlagCF
	}
	if of != 0 {
		f |= FlagOF
	}
	c.lazyOp = lazyNone
	c.RFLAGS = f
}

// 0F A4/A5: SHLD Ev,Gv,Ib/CL; 0F AC/AD: SHRD.
func execShd(c *CPU, in *Inst) {
	n := c.GPR[RCX]
	if in.Op&1 == 0 {
		n = in.Imm
	}
	if in.OpSize == 8 {
		n &= 63
	} else {
		n &= 31
	}
	if n == 0 {
		if in.IsMem {
			c.checkWritable(c.segAddr(in.Seg, c.ea(in), in.OpSize, true), in.OpSize)
		}
		return
	}
	src := c.readReg(in)
	left := in.Op < 0x1a8
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		size := in.OpSize
		bitsz := uint64(size) * 8
		m := sizeMask[size]
		var r, cf uint64
		if size == 2 && n > 16 {
			// 16-bit with count > 16: the result is undefined; compute it
			// over the 32-bit concatenation as AMD does.
			if left {
				w := (v<<16 | src) & 0xffffffff
				w2 := (w<<n | w>>(32-n)) & 0xffffffff
				r = w2 >> 16 & m
				cf = w >> (32 - n) & 1
			} else {
				w := src<<16 | v
				w2 := (w>>n | w<<(32-n)) & 0xffffffff
				r = w2 & m
				cf = w >> (n - 1) & 1
			}
		} else if left {
			r = (v<<n | src>>(bitsz-n)) & m
			cf = v >> (bitsz - n) & 1
		} else {
			r = (v>>n | src<<(bitsz-n)) & m
			cf = v >> (n - 1) & 1
		}
		f := szp(r, size)
		if cf != 0 {
			f |= FlagCF
		}
		if (r^v)>>(bitsz-1)&1 != 0 {
			f |= FlagOF
		}
		c.setArith(f)
		return r, true
	})
}
