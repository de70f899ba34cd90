package x86

import "encoding/binary"

// Access kinds for translation.
const (
	accRead  = 0
	accWrite = 1
	accExec  = 2
)

const (
	tlbBits  = 8
	tlbSize  = 1 << tlbBits
	tlbMask  = tlbSize - 1
	tlbValid = 1 << 63
)

// tlbEntry maps one linear page to one RAM page. Only RAM pages are cached;
// MMIO always takes the slow path.
type tlbEntry struct {
	tag uint64 // linear page number | tlbValid, 0 when empty
	pa  uint64 // physical address of the page
}

// tlb is the soft TLB: one direct-mapped array per access kind, filled for
// the current privilege level (it is flushed when CPL changes). Write entries
// are never filled for pages holding decoded code, so that every write to
// such a page takes the slow path and invalidates the decoded instructions.
type tlb struct {
	e [3][tlbSize]tlbEntry
}

func (t *tlb) flushAll() { *t = tlb{} }

// flushPA drops write entries that map physical page pa.
func (t *tlb) flushPA(pa uint64) {
	for i := range t.e[accWrite] {
		if t.e[accWrite][i].pa == pa {
			t.e[accWrite][i] = tlbEntry{}
		}
	}
}

// translate maps a linear address to a physical one for the given access,
// raising #PF when paging forbids it, and fills the TLB for RAM pages.
func (c *CPU) translate(lin uint64, acc int) uint64 {
	var pa uint64
	if c.CR0&CR0PG == 0 {
		pa = lin & 0xffffffff
	} else {
		pa = c.walk(lin, acc)
	}
	if c.npActive() {
		pa = c.nestedTranslate(pa, acc == accWrite, acc == accExec, false)
	}
	page := pa &^ 0xfff
	if c.noTLB() {
		// Data breakpoints or alignment checks: every access must come
		// back here to be checked.
		return pa
	}
	if page < uint64(len(c.RAM)) && !(acc == accWrite && c.icode.isCode(page)) {
		c.tlb.e[acc][(lin>>12)&tlbMask] = tlbEntry{tag: lin>>12 | tlbValid, pa: page}
	}
	return pa
}

// accessChecks applies alignment checking and records data breakpoints for
// an access that reached the slow path.
func (c *CPU) accessChecks(lin uint64, size uint8, write bool) {
	if c.acActive && lin&uint64(size-1) != 0 && !c.implicitSV {
		c.raise(VecAC, 0)
	}
	if c.bpData != 0 {
		c.checkDataBP(lin, size, write)
	}
}

// noTLB reports whether data accesses must bypass the soft TLB.
func (c *CPU) noTLB() bool { return c.bpData != 0 || c.acActive }

// physSlice returns the host bytes backing [pa, pa+size) when they lie in
// RAM or in the L0-private region, or nil for MMIO.
func (c *CPU) physSlice(pa uint64, size uint8) []byte {
	if pa+uint64(size) <= uint64(len(c.RAM)) {
		return c.RAM[pa : pa+uint64(size)]
	}
	if pa >= c.PrivateBase && pa-c.PrivateBase+uint64(size) <= uint64(len(c.Private)) {
		o := pa - c.PrivateBase
		return c.Private[o : o+uint64(size)]
	}
	return nil
}

// physRead reads size bytes at physical address pa (RAM, private or MMIO).
func (c *CPU) physRead(pa uint64, size uint8) uint64 {
	if b := c.physSlice(pa, size); b != nil {
		switch size {
		case 1:
			return uint64(b[0])
		case 2:
			return uint64(binary.LittleEndian.Uint16(b))
		case 4:
			return uint64(binary.LittleEndian.Uint32(b))
		}
		return binary.LittleEndian.Uint64(b)
	}
	var b [8]byte
	c.Platform.ReadMMIO(pa, b[:size])
	return binary.LittleEndian.Uint64(b[:])
}

// physWrite writes size bytes at physical address pa (RAM, private or
// MMIO), invalidating decoded code on RAM pages.
func (c *CPU) physWrite(pa uint64, size uint8, v uint64) {
	if b := c.physSlice(pa, size); b != nil {
		switch size {
		case 1:
			b[0] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(b, uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(b, uint32(v))
		default:
			binary.LittleEndian.PutUint64(b, v)
		}
		if pa < uint64(len(c.RAM)) {
			c.icode.written(pa, uint64(size))
		}
		return
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	c.Platform.WriteMMIO(pa, b[:size])
}

// readSlow reads size bytes at a linear address through translation, byte by
// byte when the access crosses a page.
func (c *CPU) readSlow(lin uint64, size uint8) uint64 {
	c.accessChecks(lin, size, false)
	if lin&0xfff+uint64(size) <= 0x1000 {
		return c.physRead(c.translate(lin, accRead), size)
	}
	// Translate both pages before reading anything, so a fault on the second
	// page leaves no side effect of the first.
	n := 0x1000 - lin&0xfff
	pa1 := c.translate(lin, accRead)
	pa2 := c.translate(lin+n, accRead)
	var v uint64
	for i := uint64(0); i < uint64(size); i++ {
		var pa uint64
		if i < n {
			pa = pa1 + i
		} else {
			pa = pa2 + i - n
		}
		v |= c.physRead(pa, 1) << (8 * i)
	}
	return v
}

// writeSlow writes size bytes at a linear address through translation.
func (c *CPU) writeSlow(lin uint64, size uint8, v uint64) {
	c.accessChecks(lin, size, true)
	if lin&0xfff+uint64(size) <= 0x1000 {
		c.physWrite(c.translate(lin, accWrite), size, v)
		return
	}
	n := 0x1000 - lin&0xfff
	pa1 := c.translate(lin, accWrite)
	pa2 := c.translate(lin+n, accWrite)
	for i := uint64(0); i < uint64(size); i++ {
		pa := pa1 + i
		if i >= n {
			pa = pa2 + i - n
		}
		c.physWrite(pa, 1, v>>(8*i))
	}
}

// readLin reads size bytes at a linear address.
func (c *CPU) readLin(lin uint64, size uint8) uint64 {
	e := &c.tlb.e[accRead][(lin>>12)&tlbMask]
	if e.tag == lin>>12|tlbValid && lin&0xfff <= 0x1000-uint64(size) {
		p := c.RAM[e.pa|lin&0xfff:]
		switch size {
		case 1:
			return uint64(p[0])
		case 2:
			return uint64(binary.LittleEndian.Uint16(p))
		case 4:
			return uint64(binary.LittleEndian.Uint32(p))
		default:
			return binary.LittleEndian.Uint64(p)
		}
	}
	return c.readSlow(lin, size)
}

// writeLin writes size bytes at a linear address.
func (c *CPU) writeLin(lin uint64, size uint8, v uint64) {
	e := &c.tlb.e[accWrite][(lin>>12)&tlbMask]
	if e.tag == lin>>12|tlbValid && lin&0xfff <= 0x1000-uint64(size) {
		p := c.RAM[e.pa|lin&0xfff:]
		switch size {
		case 1:
			p[0] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(p, uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(p, uint32(v))
		default:
			binary.LittleEndian.PutUint64(p, v)
		}
		return
	}
	c.writeSlow(lin, size, v)
}

// checkWritable translates a write without writing, so that multi-part
// instructions can fault before committing anything.
func (c *CPU) checkWritable(lin uint64, size uint8) {
	e := &c.tlb.e[accWrite][(lin>>12)&tlbMask]
	if e.tag == lin>>12|tlbValid && lin&0xfff <= 0x1000-uint64(size) {
		return
	}
	c.translate(lin, accWrite)
	if lin&0xfff+uint64(size) > 0x1000 {
		c.translate(lin+uint64(size)-1, accWrite)
	}
}

// segAddr applies segmentation to an effective address: limit and type
// checks outside 64-bit mode, canonical checks in it. It returns the linear
// address.
func (c *CPU) segAddr(seg uint8, off uint64, size uint8, write bool) uint64 {
	if c.mode == Mode64 {
		lin := off
		if seg >= FS {
			lin += c.Seg[seg].Base
		}
		if uint64(int64(lin<<16)>>16) != lin {
			if seg == SS {
				c.raise(VecSS, 0)
			}
			c.raiseGP(0)
		}
		return lin
	}
	s := &c.Seg[seg]
	a := s.Attr
	if a&(SegAttrP|SegAttrS|0x8|0x4|0x2) != SegAttrP|SegAttrS|0x2 {
		c.segCheckSlow(seg, off, size, write) // unusable, code, read-only or expand-down
	} else if off+uint64(size)-1 > uint64(s.Limit) {
		c.segFault(seg)
	}
	return (s.Base + off) & 0xffffffff
}

// segCheckSlow performs the segment checks the fast path skips.
func (c *CPU) segCheckSlow(seg uint8, off uint64, size uint8, write bool) {
	s := &c.Seg[seg]
	a := s.Attr
	end := off + uint64(size) - 1
	if c.CR0&CR0PE == 0 || c.RFLAGS&FlagVM != 0 {
		// Real and virtual-8086 mode: only the limit applies.
		if end > uint64(s.Limit) {
			c.segFault(seg)
		}
		return
	}
	if a&SegAttrP == 0 {
		c.segFault(seg) // null or unusable selector
	}
	if a&SegAttrS == 0 {
		c.segFault(seg)
	}
	isCode := a&0x8 != 0
	switch {
	case isCode && write:
		c.segFault(seg)
	case isCode && a&0x2 == 0: // execute-only
		c.segFault(seg)
	case !isCode && write && a&0x2 == 0:
		c.segFault(seg)
	}
	if !isCode && a&0x4 != 0 { // expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff
		upper := uint64(0xffff)
		if a&SegAttrDB != 0 {
			upper = 0xffffffff
		}
		if off <= uint64(s.Limit) || end > upper {
			c.segFault(seg)
		}
		return
	}
	if end > uint64(s.Limit) {
		c.segFault(seg)
	}
}

// segFault raises #SS(0) for the stack segment and #GP(0) otherwise.
func (c *CPU) segFault(seg uint8) {
	if seg == SS {
		c.raise(VecSS, 0)
	}
	c.raiseGP(0)
}

// read reads size bytes at seg:off.
func (c *CPU) read(seg uint8, off uint64, size uint8) uint64 {
	return c.readLin(c.segAddr(seg, off, size, false), size)
}

// write writes size bytes at seg:off.
func (c *CPU) write(seg uint8, off uint64, size uint8, v uint64) {
	c.writeLin(c.segAddr(seg, off, size, true), size, v)
}
