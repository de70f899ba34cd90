package x86

import (
	"encoding/binary"
	"testing"
)

// testPlatform records I/O for tests.
type testPlatform struct {
	out   []uint32 // values written to any port
	ports []uint16
}

func (p *testPlatform) In(port uint16, size int) uint32 { return uint32(1)<<(8*size) - 1 }
func (p *testPlatform) Out(port uint16, size int, v uint32) {
	p.ports = append(p.ports, port)
	p.out = append(p.out, v)
}
func (p *testPlatform) ReadMMIO(addr uint64, data []byte)  { clear(data) }
func (p *testPlatform) WriteMMIO(addr uint64, data []byte) {}
func (p *testPlatform) AckInterrupt() (uint8, bool)        { return 0, false }

const (
	testCode = 0x1000 // where test code is loaded
	testGDT  = 0x500  // the test GDT
)

// newFlat32 returns a CPU in 32-bit flat protected mode (paging off) with
// code at testCode and a stack below 0x8000.
func newFlat32(t testing.TB, code []byte) (*CPU, *testPlatform) {
	t.Helper()
	ram := make([]byte, 1<<20)
	copy(ram[testCode:], code)
	// GDT at testGDT: null, 0x08 code32, 0x10 data32, 0x18 code32 DPL3,
	// 0x20 data32 DPL3.
	for i, d := range []uint64{0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0x00cffb000000ffff, 0x00cff3000000ffff} {
		binary.LittleEndian.PutUint64(ram[testGDT+8*i:], d)
	}
	p := &testPlatform{}
	c := New(ram, p)
	var s State
	code32 := Segment{Sel: 8, Limit: 0xffffffff, Attr: 0xc9b}
	data32 := Segment{Sel: 0x10, Limit: 0xffffffff, Attr: 0xc93}
	s.Seg = [6]Segment{data32, code32, data32, data32, data32, data32}
	s.TR = Segment{Attr: 0x8b, Limit: 0xffff}
	s.LDTR = Segment{Attr: 0x82}
	s.CR0 = CR0PE | CR0ET
	s.GDTR = DescTable{Base: testGDT, Limit: 5*8 - 1}
	s.RIP = testCode
	s.GPR[RSP] = 0x8000
	s.RFLAGS = 2
	s.DR[6], s.DR[7] = dr6Fixed, 0x400
	c.SetState(&s)
	return c, p
}
