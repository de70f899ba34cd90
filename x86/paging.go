package x86

// Page-table entry bits.
const (
	pteP   = 1 << 0
	pteRW  = 1 << 1
	pteUS  = 1 << 2
	pteA   = 1 << 5
	pteD   = 1 << 6
	ptePS  = 1 << 7
	pteNX  = 1 << 63
	pfP    = 1 << 0 // #PF error code: protection violation (vs not present)
	pfW    = 1 << 1 // write access
	pfU    = 1 << 2 // user-mode access
	pfRSVD = 1 << 3 // reserved bit set in a paging entry
	pfID   = 1 << 4 // instruction fetch
)

// MaxPhysAddr is the physical address width the CPU reports in CPUID
// 8000_0008h and enforces in reserved-bit checks.
const MaxPhysAddr = 40

// walk translates lin through the guest's page tables for access acc,
// setting accessed and dirty bits, and raises #PF on failure.
func (c *CPU) walk(lin uint64, acc int) uint64 {
	user := c.CPL == 3 && !c.implicitSV
	var err uint64
	if acc == accWrite {
		err |= pfW
	}
	if user {
		err |= pfU
	}
	nxe := c.EFER&EFERNXE != 0
	if acc == accExec && nxe {
		err |= pfID
	}
	physMask := uint64(1)<<MaxPhysAddr - 1
	addrMask := physMask &^ 0xfff

	// Entries to mark accessed once the walk succeeds (at most 4 levels + leaf).
	var touched [5]uint64
	var touchedN int
	rw, us, nx := true, true, false

	var pa uint64
	var leafAddr uint64
	if c.CR4&CR4PAE == 0 {
		// 32-bit paging: two levels of 4-byte entries, optional 4 MiB pages.
		pdeAddr := c.CR3&0xfffff000 | (lin>>20)&0xffc
		pde := c.physRead(pdeAddr, 4)
		if pde&pteP == 0 {
			c.pageFault(lin, err)
		}
		rw, us = pde&pteRW != 0, pde&pteUS != 0
		if pde&ptePS != 0 && c.CR4&CR4PSE != 0 {
			pa = pde&0xffc00000 | (pde>>13&0xff)<<32 | lin&0x3fffff
			leafAddr = pdeAddr
		} else {
			touched[touchedN] = pdeAddr
			touchedN++
			pteAddr := pde&0xfffff000 | (lin>>10)&0xffc
			pte := c.physRead(pteAddr, 4)
			if pte&pteP == 0 {
				c.pageFault(lin, err)
			}
			rw, us = rw && pte&pteRW != 0, us && pte&pteUS != 0
			pa = pte&0xfffff000 | lin&0xfff
			leafAddr = pteAddr
		}
		c.checkPerm(lin, acc, err, rw, us, false)
		c.setAD(touched[:touchedN], leafAddr, 4, acc == accWrite)
		return pa
	}

	rsvd := ^physMask & ^uint64(pteNX)
	if !nxe {
		rsvd |= pteNX
	}
	var levels int
	var table uint64
	if c.EFER&EFERLMA != 0 {
		levels = 4
		table = c.CR3 & addrMask
	} else {
		// PAE: the PDPTE is the first level (4 entries, no A bit semantics
		// beyond being read).
		pdpteAddr := c.CR3&0xffffffe0 | (lin>>27)&0x18
		pdpte := c.physRead(pdpteAddr, 8)
		if pdpte&pteP == 0 {
			c.pageFault(lin, err)
		}
		if pdpte&(rsvd|0x1e6) != 0 {
			c.pageFault(lin, err|pfP|pfRSVD)
		}
		levels = 2
		table = pdpte & addrMask
	}
	for level := levels; level >= 1; level-- {
		shift := 12 + 9*uint(level-1)
		eAddr := table | (lin>>shift&0x1ff)<<3
		e := c.physRead(eAddr, 8)
		if e&pteP == 0 {
			c.pageFault(lin, err)
		}
		r := rsvd
		if level == 4 {
			r |= ptePS // PML4E.PS is reserved
		}
		if e&r != 0 {
			c.pageFault(lin, err|pfP|pfRSVD)
		}
		rw, us = rw && e&pteRW != 0, us && e&pteUS != 0
		nx = nx || e&pteNX != 0
		if level == 1 || (e&ptePS != 0 && level <= 3) {
			if level > 1 {
				// Large page: the low bits of the frame field are reserved
				// (except PAT at bit 12).
				lowRsvd := (uint64(1)<<shift - 1) &^ 0x1fff
				if e&lowRsvd != 0 {
					c.pageFault(lin, err|pfP|pfRSVD)
				}
			}
			frame := e & addrMask &^ (uint64(1)<<shift - 1)
			pa = frame | lin&(uint64(1)<<shift-1)
			leafAddr = eAddr
			break
		}
		touched[touchedN] = eAddr
		touchedN++
		table = e & addrMask
	}
	c.checkPerm(lin, acc, err, rw, us, nx && nxe)
	c.setAD(touched[:touchedN], leafAddr, 8, acc == accWrite)
	return pa
}

// checkPerm applies the U/S, R/W (with CR0.WP) and NX rules to a completed
// walk.
func (c *CPU) checkPerm(lin uint64, acc int, err uint64, rw, us, nx bool) {
	user := err&pfU != 0
	switch {
	case user && !us:
		c.pageFault(lin, err|pfP)
	case acc == accWrite && !rw && (user || c.CR0&CR0WP != 0):
		c.pageFault(lin, err|pfP)
	case acc == accExec && nx:
		c.pageFault(lin, err|pfP)
	}
}

// setAD sets the accessed bit in every non-leaf entry and accessed (and, for
// writes, dirty) in the leaf. Entries are written only when a bit changes.
func (c *CPU) setAD(nonLeaf []uint64, leaf uint64, size uint8, dirty bool) {
	for _, a := range nonLeaf {
		if e := c.physRead(a, size); e&pteA == 0 {
			c.physWrite(a, size, e|pteA)
		}
	}
	e := c.physRead(leaf, size)
	n := e | pteA
	if dirty {
		n |= pteD
	}
	if n != e {
		c.physWrite(leaf, size, n)
	}
}

// pageFault raises #PF with CR2 = lin.
func (c *CPU) pageFault(lin uint64, err uint64) {
	c.fault.cr2 = lin
	c.fault.setCR2 = true
	c.raise(VecPF, uint32(err))
}
