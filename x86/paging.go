package x86

import "github.com/govmm/govmm/x86/paging"

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

// pagingMode returns the walk mode for the CPU's current state.
func (c *CPU) pagingMode() paging.Mode {
	m := paging.Mode{PSE: c.CR4&CR4PSE != 0, WP: c.CR0&CR0WP != 0, NXE: c.EFER&EFERNXE != 0}
	switch {
	case c.CR0&CR0PG == 0:
		m.Format = paging.Off
	case c.EFER&EFERLMA != 0:
		m.Format = paging.Long4
	case c.CR4&CR4PAE != 0:
		m.Format = paging.PAE
	default:
		m.Format = paging.Legacy32
	}
	return m
}

// ReadPT implements paging.Memory over physical memory.
func (c *CPU) ReadPT(pa uint64, size int) uint64 { return c.physRead(pa, uint8(size)) }

// WritePT implements paging.Memory over physical memory.
func (c *CPU) WritePT(pa uint64, size int, v uint64) { c.physWrite(pa, uint8(size), v) }

// walk translates lin through the guest's page tables for access acc,
// setting accessed and dirty bits, and raises #PF on failure.
func (c *CPU) walk(lin uint64, acc int) uint64 {
	var a paging.Access
	switch acc {
	case accWrite:
		a = paging.Write
	case accExec:
		a = paging.Fetch
	}
	if c.CPL == 3 && !c.implicitSV {
		a |= paging.User
	}
	var mem paging.Memory = c
	if c.npActive() {
		mem = npMem{c}
	}
	r := paging.Walk(mem, c.pagingMode(), c.CR3, lin, a, MaxPhysAddr)
	if r.Fault {
		c.pageFault(lin, uint64(r.ErrCode))
	}
	return r.PA
}

// pageFault raises #PF with CR2 = lin.
func (c *CPU) pageFault(lin uint64, err uint64) {
	c.fault.cr2 = lin
	c.fault.setCR2 = true
	c.raise(VecPF, uint32(err))
}
