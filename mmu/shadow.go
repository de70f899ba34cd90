package mmu

import (
	"encoding/binary"
	"fmt"

	"github.com/govmm/govmm/x86/paging"
)

// Shadow holds L0's shadow page tables for one guest address space.
type Shadow struct {
	guest    paging.Memory // guest-physical memory: the guest's tables
	maxPhys  uint
	arena    []byte // L0-private memory for shadow tables
	base     uint64 // physical address of arena
	reserved func(gpa uint64) bool

	next   int           // next free arena page
	root   uint64        // physical address of the root table (0: none yet)
	format paging.Format // shadow format (the hardware's paging format)

	// Stats counts what the MMU did, for traces and tests.
	Stats Stats
}

// Stats counts shadow MMU events.
type Stats struct {
	Fills       uint64 // shadow entries created
	GuestFaults uint64 // #PF handed back to the guest
	Zaps        uint64 // whole-shadow drops
}

// New returns a shadow MMU whose tables live in arena (at physical address
// base). reserved reports guest-physical addresses a guest must never map
// (L0-private memory).
func New(guest paging.Memory, arena []byte, base uint64, maxPhys uint, reserved func(uint64) bool) *Shadow {
	return &Shadow{guest: guest, arena: arena, base: base, maxPhys: maxPhys, reserved: reserved}
}

// Outcome is what HandleFault decided.
type Outcome uint8

// Outcomes of a fault.
const (
	Filled     Outcome = iota // the shadow entry was created; resume the guest
	GuestFault                // the guest's tables deny it: inject #PF
	Reserved                  // the guest maps L0-private memory
)

// Fault describes the result of HandleFault.
type Fault struct {
	Outcome Outcome
	ErrCode uint32 // the guest's #PF error code, for GuestFault
	GPA     uint64 // the guest-physical address, for Filled and Reserved
}

// Zap drops every shadow entry.
func (s *Shadow) Zap() {
	s.next = 0
	s.root = 0
	s.Stats.Zaps++
}

// Root returns the physical address of the shadow root for the hardware
// paging format f, creating an empty root if needed (a format change drops
// the old tables).
func (s *Shadow) Root(f paging.Format) uint64 {
	if f != s.format {
		s.Zap()
		s.format = f
	}
	if s.root == 0 {
		s.root = s.alloc()
	}
	return s.root
}

// alloc returns a zeroed arena page; when the arena is full, everything is
// zapped first (the caller then rebuilds from the root).
func (s *Shadow) alloc() uint64 {
	if (s.next+1)*4096 > len(s.arena) {
		panic(errArenaFull)
	}
	p := s.next * 4096
	clear(s.arena[p : p+4096])
	s.next++
	return s.base + uint64(p)
}

type arenaFull struct{}

var errArenaFull = arenaFull{}

// HardwareFormat is the shadow format for a guest paging mode and CR4.PAE:
// the same as the guest's, with paging-off guests mapped by an identity
// shadow in the format CR4.PAE selects.
func HardwareFormat(guest paging.Mode, cr4PAE bool) paging.Format {
	if guest.Format != paging.Off {
		return guest.Format
	}
	if cr4PAE {
		return paging.PAE
	}
	return paging.Legacy32
}

// HandleFault handles an intercepted #PF at linear address gva with the
// hardware error code hwErr, for a guest in paging mode gm with CR3 gcr3
// (the guest's values, not the hardware's). guestWP is the guest's CR0.WP.
func (s *Shadow) HandleFault(gm paging.Mode, gcr3, gva uint64, hwErr uint32, hwFormat paging.Format) (f Fault, err error) {
	var acc paging.Access
	if hwErr&paging.ErrW != 0 {
		acc |= paging.Write
	}
	if hwErr&paging.ErrU != 0 {
		acc |= paging.User
	}
	if hwErr&paging.ErrID != 0 {
		acc |= paging.Fetch
	}
	if hwErr&paging.ErrRSVD != 0 {
		return Fault{}, fmt.Errorf("mmu: reserved-bit fault in the shadow tables at %#x (error code %#x)", gva, hwErr)
	}
	r := paging.Walk(s.guest, gm, gcr3, gva, acc, s.maxPhys)
	if r.Fault {
		s.Stats.GuestFaults++
		return Fault{Outcome: GuestFault, ErrCode: r.ErrCode}, nil
	}
	gpa := r.PA &^ 0xfff
	if s.reserved != nil && s.reserved(gpa) {
		return Fault{Outcome: Reserved, GPA: gpa}, nil
	}
	leaf := gpa | paging.P
	if r.User {
		leaf |= paging.US
	}
	if r.Writable && (r.Dirty || acc&paging.Write != 0) {
		leaf |= paging.RW
	}
	if !r.Writable && acc&paging.Write != 0 && acc&paging.User == 0 && !gm.WP {
		// CR0.WP=0 lets the supervisor write a read-only page, but the
		// hardware runs with WP=1: map it writable and supervisor-only, so
		// a later user access faults and remaps it (KVM's approach).
		leaf = leaf&^paging.US | paging.RW
	}
	if r.NoExec {
		leaf |= paging.NX
	}
	if err := s.install(hwFormat, gva, leaf); err != nil {
		return Fault{}, err
	}
	s.Stats.Fills++
	return Fault{Outcome: Filled, GPA: gpa}, nil
}

// install writes the leaf entry for gva, creating intermediate tables.
func (s *Shadow) install(f paging.Format, gva, leaf uint64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errArenaFull {
				panic(r)
			}
			// Out of shadow memory: start over with an empty shadow and
			// map just this page.
			s.Zap()
			err = s.install(f, gva, leaf)
		}
	}()
	root := s.Root(f)
	switch f {
	case paging.Legacy32:
		pde := s.table(root, gva>>22&0x3ff, 4, paging.P|paging.RW|paging.US)
		s.write(pde+(gva>>12&0x3ff)*4, 4, leaf&0xffffffff)
	case paging.PAE:
		// PDPTEs take only P (R/W and U/S are reserved there).
		pd := s.table(root, gva>>30&3, 8, paging.P)
		pt := s.table(pd, gva>>21&0x1ff, 8, paging.P|paging.RW|paging.US)
		s.write(pt+(gva>>12&0x1ff)*8, 8, leaf)
	case paging.Long4:
		pdpt := s.table(root, gva>>39&0x1ff, 8, paging.P|paging.RW|paging.US)
		pd := s.table(pdpt, gva>>30&0x1ff, 8, paging.P|paging.RW|paging.US)
		pt := s.table(pd, gva>>21&0x1ff, 8, paging.P|paging.RW|paging.US)
		s.write(pt+(gva>>12&0x1ff)*8, 8, leaf)
	default:
		return fmt.Errorf("mmu: no shadow format %d", f)
	}
	return nil
}

// table returns the physical address of the table that entry idx of the
// table at pa points to, creating it with the given entry bits.
func (s *Shadow) table(pa, idx uint64, esz int, bits uint64) uint64 {
	e := s.read(pa+idx*uint64(esz), esz)
	if e&paging.P != 0 {
		return e & 0xffffffffff000
	}
	t := s.alloc()
	s.write(pa+idx*uint64(esz), esz, t|bits)
	return t
}

func (s *Shadow) read(pa uint64, esz int) uint64 {
	o := pa - s.base
	if esz == 4 {
		return uint64(binary.LittleEndian.Uint32(s.arena[o:]))
	}
	return binary.LittleEndian.Uint64(s.arena[o:])
}

func (s *Shadow) write(pa uint64, esz int, v uint64) {
	o := pa - s.base
	if esz == 4 {
		binary.LittleEndian.PutUint32(s.arena[o:], uint32(v))
		return
	}
	binary.LittleEndian.PutUint64(s.arena[o:], v)
}

// Pages reports how many arena pages the shadow uses.
func (s *Shadow) Pages() int { return s.next }
