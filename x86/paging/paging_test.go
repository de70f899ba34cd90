package paging

import (
	"encoding/binary"
	"testing"
)

// mem is a flat physical memory for walks.
type mem []byte

func (m mem) ReadPT(pa uint64, size int) uint64 {
	if size == 4 {
		return uint64(binary.LittleEndian.Uint32(m[pa:]))
	}
	return binary.LittleEndian.Uint64(m[pa:])
}

func (m mem) WritePT(pa uint64, size int, v uint64) {
	if size == 4 {
		binary.LittleEndian.PutUint32(m[pa:], uint32(v))
		return
	}
	binary.LittleEndian.PutUint64(m[pa:], v)
}

func TestWalk(t *testing.T) {
	const maxPhys = 40
	type setup func(m mem)
	put8 := func(m mem, a, v uint64) { m.WritePT(a, 8, v) }
	put4 := func(m mem, a, v uint64) { m.WritePT(a, 4, v) }
	long := func(m mem) {
		put8(m, 0x1000, 0x2000|P|RW|US)      // PML4[0]
		put8(m, 0x2000, 0x3000|P|RW|US)      // PDPT[0]
		put8(m, 0x2008, 1<<30|P|RW|PS)       // PDPT[1]: 1 GiB page, supervisor
		put8(m, 0x3000, 0x4000|P|RW|US)      // PD[0]
		put8(m, 0x3008, 0x200000|P|PS|US|NX) // PD[1]: 2 MiB, read-only, NX
		put8(m, 0x4008, 0x9000|P|RW|US)      // PT[1]
	}
	tests := []struct {
		name  string
		setup setup
		mode  Mode
		lin   uint64
		acc   Access
		pa    uint64
		fault bool
		err   uint32
	}{
		{"off", nil, Mode{Format: Off}, 0x123456789, Write, 0x23456789, false, 0},
		{"32-bit 4K", func(m mem) { put4(m, 0x1000, 0x2000|P|RW|US); put4(m, 0x2004, 0x7000|P|RW|US) }, Mode{Format: Legacy32}, 0x1234, Read, 0x7234, false, 0},
		{"32-bit 4M PSE", func(m mem) { put4(m, 0x1004, 0x800000|P|RW|PS) }, Mode{Format: Legacy32, PSE: true}, 0x412345, Read, 0x812345, false, 0},
		{"32-bit PS without PSE is a table", func(m mem) { put4(m, 0x1004, 0x5000|P|RW|PS); put4(m, 0x5000+0x12*4, 0x6000|P) }, Mode{Format: Legacy32}, 0x412345, Read, 0x6345, false, 0},
		{"32-bit not present", nil, Mode{Format: Legacy32}, 0x1234, Write | User, 0, true, ErrW | ErrU},
		{"PAE 2M", func(m mem) { put8(m, 0x1000, 0x2000|P); put8(m, 0x2008, 0x400000|P|RW|PS) }, Mode{Format: PAE}, 0x212345, Write, 0x412345, false, 0},
		{"PAE PDPTE reserved bit", func(m mem) { put8(m, 0x1000, 0x2000|P|RW) }, Mode{Format: PAE}, 0x1000, Read, 0, true, ErrP | ErrRSVD},
		{"long 4K", long, Mode{Format: Long4, NXE: true}, 0x1abc, Write | User, 0x9abc, false, 0},
		{"long 1G", long, Mode{Format: Long4, NXE: true}, 0x40001234, Read, 0x40001234, false, 0},
		{"long user to supervisor 1G", long, Mode{Format: Long4, NXE: true}, 0x40001234, User, 0, true, ErrP | ErrU},
		{"long NX fetch", long, Mode{Format: Long4, NXE: true}, 0x200000, Fetch, 0, true, ErrP | ErrID},
		{"long NX without NXE is reserved", long, Mode{Format: Long4}, 0x200000, Read, 0, true, ErrP | ErrRSVD},
		{"long write to read-only, WP", long, Mode{Format: Long4, NXE: true, WP: true}, 0x200000, Write, 0, true, ErrP | ErrW},
		{"long write to read-only, no WP", long, Mode{Format: Long4, NXE: true}, 0x200010, Write, 0x200010, false, 0},
		{"long bit above MAXPHYADDR", func(m mem) { long(m); put8(m, 0x4010, 1<<45|P) }, Mode{Format: Long4, NXE: true}, 0x2000, Read, 0, true, ErrP | ErrRSVD},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := make(mem, 1<<20)
			if tt.setup != nil {
				tt.setup(m)
			}
			r := Walk(m, tt.mode, 0x1000, tt.lin, tt.acc, maxPhys)
			if r.Fault != tt.fault || (tt.fault && r.ErrCode != tt.err) || (!tt.fault && r.PA != tt.pa) {
				t.Fatalf("Walk = %+v, want fault=%v err=%#x pa=%#x", r, tt.fault, tt.err, tt.pa)
			}
		})
	}
}

func TestWalkAccessedDirty(t *testing.T) {
	m := make(mem, 1<<20)
	m.WritePT(0x1000, 4, 0x2000|P|RW)
	m.WritePT(0x2000, 4, 0x3000|P|RW)
	Walk(m, Mode{Format: Legacy32}, 0x1000, 0, Read, 40)
	if m.ReadPT(0x1000, 4)&A == 0 || m.ReadPT(0x2000, 4)&(A|D) != A {
		t.Fatalf("after a read: PDE %#x PTE %#x", m.ReadPT(0x1000, 4), m.ReadPT(0x2000, 4))
	}
	Walk(m, Mode{Format: Legacy32}, 0x1000, 0, Write, 40)
	if m.ReadPT(0x2000, 4)&D == 0 {
		t.Fatal("a write did not set D")
	}
	// A failed walk sets nothing.
	m.WritePT(0x1000, 4, 0x2000|P)
	m.WritePT(0x2000, 4, 0x3000|P)
	Walk(m, Mode{Format: Legacy32}, 0x1000, 0, Write|User, 40)
	if m.ReadPT(0x2000, 4)&A != 0 {
		t.Fatal("a faulting walk set A")
	}
}

func TestPDPTEReserved(t *testing.T) {
	const maxPhys = 40
	tests := []struct {
		name string
		e    uint64
		want bool
	}{
		{"clean, with PWT/PCD and AVL", 0x12345000 | P | 1<<3 | 1<<4 | 7<<9, false},
		{"highest address bit", 1<<(maxPhys-1) | P, false},
		{"RW (bit 1)", 0x1000 | P | RW, true},
		{"US (bit 2)", 0x1000 | P | US, true},
		{"bit 5", 0x1000 | P | 1<<5, true},
		{"bit 8", 0x1000 | P | 1<<8, true},
		{"bit maxPhys", 1<<maxPhys | P, true},
		{"NX (bit 63)", 0x1000 | P | NX, true},
	}
	for _, tt := range tests {
		if got := PDPTEReserved(tt.e, maxPhys); got != tt.want {
			t.Errorf("%s: PDPTEReserved(%#x) = %v, want %v", tt.name, tt.e, got, tt.want)
		}
	}
}
