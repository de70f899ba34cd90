package x86

import "math/bits"

// Lazy flag operations: which instruction last set the arithmetic flags.
const (
	lazyNone  = iota // RFLAGS holds the arithmetic flags
	lazyAdd          // res = a + b (+ cin for ADC)
	lazySub          // res = a - b (- cin for SBB); also CMP, NEG (a = 0)
	lazyLogic        // AND/OR/XOR/TEST: CF = OF = AF = 0
	lazyInc          // res = a + 1, CF preserved in lazyCin
	lazyDec          // res = a - 1, CF preserved in lazyCin
)

// sizeMask[n] masks an n-byte value.
var sizeMask = [9]uint64{1: 0xff, 2: 0xffff, 4: 0xffffffff, 8: ^uint64(0)}

// signShift[n] is the bit number of an n-byte value's sign bit.
var signShift = [9]uint8{1: 7, 2: 15, 4: 31, 8: 63}

// setLazy records the operands of an arithmetic instruction.
func (c *CPU) setLazy(op uint8, size uint8, a, b, res uint64) {
	c.lazyOp, c.lazySize, c.lazyA, c.lazyB, c.lazyRes = op, size, a, b, res
}

func parity(v uint64) bool { return bits.OnesCount8(uint8(v))&1 == 0 }

// cf computes the carry flag.
func (c *CPU) cf() bool {
	m := sizeMask[c.lazySize]
	switch c.lazyOp {
	case lazyAdd:
		r := c.lazyRes & m
		return r < c.lazyA&m || (c.lazyCin && r == c.lazyA&m)
	case lazySub:
		a, b := c.lazyA&m, c.lazyB&m
		return a < b || (c.lazyCin && a == b)
	case lazyLogic:
		return false
	case lazyInc, lazyDec:
		return c.lazyCin
	}
	return c.RFLAGS&FlagCF != 0
}

// zf computes the zero flag.
func (c *CPU) zf() bool {
	if c.lazyOp == lazyNone {
		return c.RFLAGS&FlagZF != 0
	}
	return c.lazyRes&sizeMask[c.lazySize] == 0
}

// sf computes the sign flag.
func (c *CPU) sf() bool {
	if c.lazyOp == lazyNone {
		return c.RFLAGS&FlagSF != 0
	}
	return c.lazyRes>>signShift[c.lazySize]&1 != 0
}

// pf computes the parity flag.
func (c *CPU) pf() bool {
	if c.lazyOp == lazyNone {
		return c.RFLAGS&FlagPF != 0
	}
	return parity(c.lazyRes)
}

// of computes the overflow flag.
func (c *CPU) of() bool {
	s := signShift[c.lazySize]
	switch c.lazyOp {
	case lazyAdd:
		return ((c.lazyA^c.lazyRes)&(c.lazyB^c.lazyRes))>>s&1 != 0
	case lazySub:
		return ((c.lazyA^c.lazyB)&(c.lazyA^c.lazyRes))>>s&1 != 0
	case lazyLogic:
		return false
	case lazyInc:
		return c.lazyRes&sizeMask[c.lazySize] == 1<<s
	case lazyDec:
		return c.lazyRes&sizeMask[c.lazySize] == 1<<s-1
	}
	return c.RFLAGS&FlagOF != 0
}

// af computes the auxiliary (BCD) carry flag.
func (c *CPU) af() bool {
	switch c.lazyOp {
	case lazyAdd, lazySub:
		return (c.lazyA^c.lazyB^c.lazyRes)&0x10 != 0
	case lazyLogic:
		return false
	case lazyInc:
		return c.lazyRes&0xf == 0
	case lazyDec:
		return c.lazyRes&0xf == 0xf
	}
	return c.RFLAGS&FlagAF != 0
}

// Flags returns RFLAGS with the arithmetic flags materialized.
func (c *CPU) Flags() uint64 {
	if c.lazyOp == lazyNone {
		return c.RFLAGS
	}
	f := c.RFLAGS &^ arithFlags
	if c.cf() {
		f |= FlagCF
	}
	if c.pf() {
		f |= FlagPF
	}
	if c.af() {
		f |= FlagAF
	}
	if c.zf() {
		f |= FlagZF
	}
	if c.sf() {
		f |= FlagSF
	}
	if c.of() {
		f |= FlagOF
	}
	return f
}

// materialize folds the lazy flags into RFLAGS.
func (c *CPU) materialize() {
	if c.lazyOp != lazyNone {
		c.RFLAGS = c.Flags()
		c.lazyOp = lazyNone
	}
}

// setArith sets the arithmetic flags eagerly from a mask of set bits.
func (c *CPU) setArith(set uint64) {
	c.lazyOp = lazyNone
	c.RFLAGS = c.RFLAGS&^arithFlags | set&arithFlags
}

// szp returns ZF, SF and PF for a result of size bytes.
func szp(res uint64, size uint8) uint64 {
	var f uint64
	if res&sizeMask[size] == 0 {
		f |= FlagZF
	}
	if res>>signShift[size]&1 != 0 {
		f |= FlagSF
	}
	if parity(res) {
		f |= FlagPF
	}
	return f
}

// cond evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc).
func (c *CPU) cond(cc uint8) bool {
	var r bool
	switch cc >> 1 {
	case 0:
		r = c.of()
	case 1:
		r = c.cf()
	case 2:
		r = c.zf()
	case 3:
		r = c.cf() || c.zf()
	case 4:
		r = c.sf()
	case 5:
		r = c.pf()
	case 6:
		r = c.sf() != c.of()
	case 7:
		r = c.zf() || c.sf() != c.of()
	}
	return r != (cc&1 != 0)
}
