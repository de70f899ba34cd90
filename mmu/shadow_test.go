package mmu

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86/paging"
)

// ram is guest-physical memory for tests.
type ram []byte

func (m ram) ReadPT(pa uint64, size int) uint64 {
	if size == 4 {
		return uint64(binary.LittleEndian.Uint32(m[pa:]))
	}
	return binary.LittleEndian.Uint64(m[pa:])
}

func (m ram) WritePT(pa uint64, size int, v uint64) {
	if size == 4 {
		binary.LittleEndian.PutUint32(m[pa:], uint32(v))
		return
	}
	binary.LittleEndian.PutUint64(m[pa:], v)
}

// hostMem presents guest RAM and the shadow arena as one physical space,
// as the CPU sees it.
type hostMem struct {
	g    ram
	s    *Shadow
	base uint64
}

func (h hostMem) ReadPT(pa uint64, size int) uint64 {
	if pa >= h.base {
		return h.s.read(pa, size)
	}
	return h.g.ReadPT(pa, size)
}
func (h hostMem) WritePT(pa uint64, size int, v uint64) {
	if pa >= h.base {
		h.s.write(pa, size, v)
		return
	}
	h.g.WritePT(pa, size, v)
}

const arenaBase = 0xc0000000

// guest32 builds 32-bit guest tables: PD at 0x1000, PT at 0x2000 mapping
// linear 0x400000+i*4K to the given PTEs.
func guest32(ptes ...uint32) ram {
	m := make(ram, 1<<20)
	binary.LittleEndian.PutUint32(m[0x1000+4:], 0x2000|paging.P|paging.RW|paging.US)
	for i, p := range ptes {
		binary.LittleEndian.PutUint32(m[0x2000+4*i:], p)
	}
	return m
}

func TestShadowFill(t *testing.T) {
	gm := paging.Mode{Format: paging.Legacy32, WP: true}
	tests := []struct {
		name    string
		pte     uint32
		hwErr   uint32
		outcome Outcome
		errCode uint32
		// expected shadow permissions
		writable, user bool
		guestAD        uint32
	}{
		{"read of a present page", 0x5000 | paging.P | paging.RW | paging.US, paging.ErrU, Filled, 0, false, true, paging.A},
		{"write sets D and maps RW", 0x5000 | paging.P | paging.RW | paging.US, paging.ErrU | paging.ErrW, Filled, 0, true, true, paging.A | paging.D},
		{"read of a dirty page maps RW", 0x5000 | paging.P | paging.RW | paging.D, 0, Filled, 0, true, false, paging.A | paging.D},
		{"not present: the guest's #PF", 0, paging.ErrU, GuestFault, paging.ErrU, false, false, 0},
		{"user write to read-only: the guest's #PF", 0x5000 | paging.P | paging.US, paging.ErrU | paging.ErrW, GuestFault,
			paging.ErrP | paging.ErrW | paging.ErrU, false, false, 0},
		{"user access to supervisor page", 0x5000 | paging.P | paging.RW, paging.ErrU, GuestFault, paging.ErrP | paging.ErrU, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := guest32(tt.pte)
			s := New(g, make([]byte, 64<<10), arenaBase, 40, nil)
			f, err := s.HandleFault(gm, 0x1000, 0x400123, tt.hwErr, paging.Legacy32)
			if err != nil {
				t.Fatal(err)
			}
			if f.Outcome != tt.outcome || f.ErrCode != tt.errCode {
				t.Fatalf("outcome %v err %#x, want %v %#x", f.Outcome, f.ErrCode, tt.outcome, tt.errCode)
			}
			if got := uint32(g.ReadPT(0x2000, 4)) & (paging.A | paging.D); got != tt.guestAD && tt.outcome == Filled {
				t.Fatalf("guest A/D %#x, want %#x", got, tt.guestAD)
			}
			if tt.outcome != Filled {
				return
			}
			// The hardware walk through the shadow tables must now succeed
			// for the faulting access and map the same physical page.
			h := hostMem{g, s, arenaBase}
			var acc paging.Access
			if tt.hwErr&paging.ErrW != 0 {
				acc |= paging.Write
			}
			if tt.hwErr&paging.ErrU != 0 {
				acc |= paging.User
			}
			r := paging.Walk(h, paging.Mode{Format: paging.Legacy32, WP: true}, s.Root(paging.Legacy32), 0x400123, acc, 40)
			if r.Fault || r.PA != 0x5123 {
				t.Fatalf("shadow walk: fault=%v pa=%#x", r.Fault, r.PA)
			}
			if r.Writable != tt.writable || r.User != tt.user {
				t.Fatalf("shadow permissions W=%v U=%v, want %v %v", r.Writable, r.User, tt.writable, tt.user)
			}
		})
	}
}

func TestShadowPagingOffAndReserved(t *testing.T) {
	g := make(ram, 1<<20)
	s := New(g, make([]byte, 64<<10), arenaBase, 40, func(gpa uint64) bool { return gpa >= arenaBase })
	off := paging.Mode{Format: paging.Off}
	f, err := s.HandleFault(off, 0, 0xb8000, paging.ErrW, paging.PAE)
	if err != nil || f.Outcome != Filled || f.GPA != 0xb8000 {
		t.Fatalf("identity fill: %+v %v", f, err)
	}
	r := paging.Walk(hostMem{g, s, arenaBase}, paging.Mode{Format: paging.PAE, WP: true}, s.Root(paging.PAE), 0xb8010, paging.Write, 40)
	if r.Fault || r.PA != 0xb8010 {
		t.Fatalf("PAE identity shadow: %+v", r)
	}
	f, err = s.HandleFault(off, 0, arenaBase+0x1000, 0, paging.PAE)
	if err != nil || f.Outcome != Reserved {
		t.Fatalf("L0-private address: %+v %v", f, err)
	}
}

func TestShadowWP0SupervisorWrite(t *testing.T) {
	// CR0.WP=0: a supervisor write to a read-only user page succeeds in the
	// guest; the shadow maps it writable but supervisor-only.
	g := guest32(0x5000 | paging.P | paging.US)
	s := New(g, make([]byte, 64<<10), arenaBase, 40, nil)
	f, err := s.HandleFault(paging.Mode{Format: paging.Legacy32, WP: false}, 0x1000, 0x400000, paging.ErrW, paging.Legacy32)
	if err != nil || f.Outcome != Filled {
		t.Fatalf("%+v %v", f, err)
	}
	r := paging.Walk(hostMem{g, s, arenaBase}, paging.Mode{Format: paging.Legacy32, WP: true}, s.Root(paging.Legacy32), 0x400000, paging.Write, 40)
	if r.Fault || !r.Writable || r.User {
		t.Fatalf("shadow: %+v, want writable supervisor-only", r)
	}
}

func TestShadowArenaExhaustion(t *testing.T) {
	// A 3-page arena holds the root plus one PD/PT pair: a fault in another
	// 1 GiB region zaps and starts over instead of failing.
	g := make(ram, 1<<20)
	s := New(g, make([]byte, 4*4096), arenaBase, 40, nil)
	off := paging.Mode{Format: paging.Off}
	for _, a := range []uint64{0x1000, 0x40001000, 0x80001000} {
		if f, err := s.HandleFault(off, 0, a, 0, paging.PAE); err != nil || f.Outcome != Filled {
			t.Fatalf("fill %#x: %+v %v", a, f, err)
		}
	}
	if s.Stats.Zaps == 0 {
		t.Fatal("the full arena was not zapped")
	}
}
