// Package paging is the x86 page-table walk, written once and shared by the
// software CPU (its hardware walk) and by L0's shadow MMU (its walk of the
// guest's tables): 32-bit paging with PSE, PAE and 4-level long-mode paging,
// 4K/2M/4M/1G pages, U/S, R/W with CR0.WP, NX with EFER.NXE, reserved-bit
// checks against MAXPHYADDR, and accessed/dirty bits (AMD APM vol. 2, ch. 5).
//
// A walk returns its result; it never raises anything itself. A walk that
// succeeds sets the accessed bits of every entry it used and, for writes,
// the dirty bit of the leaf.
package paging

// Memory is the physical memory page tables live in.
type Memory interface {
	// ReadPT reads a 4- or 8-byte page-table entry at physical address pa.
	ReadPT(pa uint64, size int) uint64
	// WritePT writes a 4- or 8-byte page-table entry (for A/D updates).
	WritePT(pa uint64, size int, v uint64)
}

// Format is the paging format in use.
type Format uint8

// Paging formats.
const (
	Off      Format = iota // paging disabled: linear == physical (32 bits)
	Legacy32               // 32-bit paging (CR4.PAE = 0)
	PAE                    // PAE paging (CR4.PAE = 1, EFER.LMA = 0)
	Long4                  // 4-level long-mode paging
)

// Mode is everything about the CPU state that shapes a walk.
type Mode struct {
	Format Format
	PSE    bool // CR4.PSE: 4 MiB pages in 32-bit paging
	WP     bool // CR0.WP: supervisor writes honour R/W
	NXE    bool // EFER.NXE: the NX bit exists
}

// Access describes one access being translated.
type Access uint8

// Access kinds, combined with User.
const (
	Read  Access = 0
	Write Access = 1 << 0
	Fetch Access = 1 << 1
	User  Access = 1 << 2 // a CPL-3 access (not an implicit supervisor access)
)

// Page-table entry bits.
const (
	P   = 1 << 0
	RW  = 1 << 1
	US  = 1 << 2
	A   = 1 << 5
	D   = 1 << 6
	PS  = 1 << 7
	NX  = 1 << 63
	PWT = 1 << 3
	PCD = 1 << 4
)

// #PF error code bits.
const (
	ErrP    = 1 << 0 // protection violation (vs not present)
	ErrW    = 1 << 1
	ErrU    = 1 << 2
	ErrRSVD = 1 << 3
	ErrID   = 1 << 4
)

// Result is the outcome of a walk.
type Result struct {
	PA       uint64 // physical address (valid when Fault == false)
	PageSize uint64 // size of the page that maps it (4K, 2M, 4M or 1G)
	Fault    bool   // the walk raised #PF
	ErrCode  uint32 // #PF error code when Fault
	// Effective permissions of the translation (AND of all levels; NX ORed).
	Writable, User, NoExec bool
	// Dirty reports whether the leaf's D bit is set after the walk.
	Dirty bool
}

// PDPTEReserved reports whether a legacy-PAE PDPTE sets a reserved bit:
// 2:1, 8:5 or 63:maxPhys (R/W, U/S and NX do not exist at this level).
func PDPTEReserved(e uint64, maxPhys uint) bool {
	return e&(^(uint64(1)<<maxPhys-1)|NX|0x1e6) != 0
}

// Walk translates linear address lin. maxPhys is the physical address
// width (MAXPHYADDR) for the reserved-bit checks.
func Walk(m Memory, mode Mode, cr3, lin uint64, acc Access, maxPhys uint) Result {
	var err uint32
	if acc&Write != 0 {
		err |= ErrW
	}
	if acc&User != 0 {
		err |= ErrU
	}
	if acc&Fetch != 0 && mode.NXE {
		err |= ErrID
	}
	fault := func(e uint32) Result { return Result{Fault: true, ErrCode: err | e} }

	if mode.Format == Off {
		return Result{PA: lin & 0xffffffff, PageSize: 4096, Writable: true, User: true, Dirty: true}
	}
	var touched [4]uint64 // non-leaf entries to mark accessed
	n := 0
	rw, us, nx := true, true, false
	var pa, leafAddr, size uint64
	esz := 8

	if mode.Format == Legacy32 {
		esz = 4
		pdeAddr := cr3&0xfffff000 | (lin>>20)&0xffc
		pde := m.ReadPT(pdeAddr, 4)
		if pde&P == 0 {
			return fault(0)
		}
		rw, us = pde&RW != 0, pde&US != 0
		if pde&PS != 0 && mode.PSE {
			hi := (pde >> 13 & 0xff) << 32
			if hi>>maxPhys != 0 || pde&(1<<21) != 0 {
				return fault(ErrP | ErrRSVD)
			}
			pa = pde&0xffc00000 | hi | lin&0x3fffff
			leafAddr, size = pdeAddr, 4<<20
		} else {
			touched[n] = pdeAddr
			n++
			pteAddr := pde&0xfffff000 | (lin>>10)&0xffc
			pte := m.ReadPT(pteAddr, 4)
			if pte&P == 0 {
				return fault(0)
			}
			rw, us = rw && pte&RW != 0, us && pte&US != 0
			pa = pte&0xfffff000 | lin&0xfff
			leafAddr, size = pteAddr, 4096
		}
	} else {
		physMask := uint64(1)<<maxPhys - 1
		addrMask := physMask &^ 0xfff
		rsvd := ^physMask &^ uint64(NX)
		if !mode.NXE {
			rsvd |= NX
		}
		levels := 4
		table := cr3 & addrMask
		if mode.Format == PAE {
			pdpteAddr := cr3&0xffffffe0 | (lin>>27)&0x18
			pdpte := m.ReadPT(pdpteAddr, 8)
			if pdpte&P == 0 {
				return fault(0)
			}
			if PDPTEReserved(pdpte, maxPhys) {
				return fault(ErrP | ErrRSVD)
			}
			levels = 2
			table = pdpte & addrMask
		}
		for level := levels; level >= 1; level-- {
			shift := 12 + 9*uint(level-1)
			eAddr := table | (lin>>shift&0x1ff)<<3
			e := m.ReadPT(eAddr, 8)
			if e&P == 0 {
				return fault(0)
			}
			r := rsvd
			if level == 4 {
				r |= PS // PML4E.PS is reserved
			}
			if e&r != 0 {
				return fault(ErrP | ErrRSVD)
			}
			rw, us = rw && e&RW != 0, us && e&US != 0
			nx = nx || e&NX != 0
			if level == 1 || (e&PS != 0 && level <= 3) {
				if level > 1 {
					// Large page: frame bits below the page size are
					// reserved, except PAT at bit 12.
					low := (uint64(1)<<shift - 1) &^ 0x1fff
					if e&low != 0 {
						return fault(ErrP | ErrRSVD)
					}
				}
				size = uint64(1) << shift
				pa = e&addrMask&^(size-1) | lin&(size-1)
				leafAddr = eAddr
				break
			}
			touched[n] = eAddr
			n++
			table = e & addrMask
		}
		nx = nx && mode.NXE
	}

	user := acc&User != 0
	switch {
	case user && !us:
		return fault(ErrP)
	case acc&Write != 0 && !rw && (user || mode.WP):
		return fault(ErrP)
	case acc&Fetch != 0 && nx:
		return fault(ErrP)
	}
	// Set accessed bits, and dirty for writes, only where they change.
	for _, a := range touched[:n] {
		if e := m.ReadPT(a, esz); e&A == 0 {
			m.WritePT(a, esz, e|A)
		}
	}
	e := m.ReadPT(leafAddr, esz)
	ne := e | A
	if acc&Write != 0 {
		ne |= D
	}
	if ne != e {
		m.WritePT(leafAddr, esz, ne)
	}
	return Result{PA: pa, PageSize: size, Writable: rw, User: us, NoExec: nx, Dirty: ne&D != 0}
}
