package nsvm

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// testHost is a VM with no devices. onTick, when set, runs at every
// Tick: between an exit's handling and the next entry's event injection.
type testHost struct {
	stopped bool
	onTick  func()
}

func (h *testHost) InterruptPending() bool       { return false }
func (h *testHost) AckInterrupt() (uint8, bool)  { return 0, false }
func (h *testHost) NextDeadline() (uint64, bool) { return 0, false }
func (h *testHost) Tick() {
	if h.onTick != nil {
		h.onTick()
	}
}
func (h *testHost) Stopped() bool                    { return h.stopped }
func (h *testHost) TakeNMI() bool                    { return false }
func (h *testHost) In(uint16, int) uint32            { return 0xffffffff }
func (h *testHost) Out(port uint16, _ int, _ uint32) {}
func (h *testHost) ReadMMIO(_ uint64, d []byte)      { clear(d) }
func (h *testHost) WriteMMIO(uint64, []byte)         {}

const (
	gdtAddr  = 0x500
	idtAddr  = 0x2000
	codeAddr = 0x1000
	dataAddr = 0x5000 // counters
)

// guest is a 32-bit flat protected-mode L1 built from hand-assembled code.
type guest struct {
	cpu  *x86.CPU
	host *testHost
	ram  []byte
}

// newGuest loads code at codeAddr and installs gates for the given
// vectors (vector → handler address) in a 32-bit IDT.
func newGuest(t *testing.T, code []byte, gates map[uint8]uint32, feats svm.Features) *guest {
	t.Helper()
	ram := make([]byte, 1<<20)
	le := binary.LittleEndian
	for i, d := range []uint64{0, 0x00cf9b000000ffff, 0x00cf93000000ffff} {
		le.PutUint64(ram[gdtAddr+8*i:], d)
	}
	for vec, h := range gates {
		gate := uint64(h&0xffff) | 8<<16 | uint64(0x8e00)<<32 | uint64(h>>16)<<48
		le.PutUint64(ram[idtAddr+8*int(vec):], gate)
	}
	copy(ram[codeAddr:], code)
	h := &testHost{}
	c := x86.New(ram, h)
	c.SetSVMFeatures(feats)
	c.Private = make([]byte, 4<<20)
	c.PrivateBase = 0xc0000000
	var s x86.State
	code32 := x86.Segment{Sel: 8, Limit: 0xffffffff, Attr: 0xc9b}
	data32 := x86.Segment{Sel: 0x10, Limit: 0xffffffff, Attr: 0xc93}
	s.Seg = [6]x86.Segment{data32, code32, data32, data32, data32, data32}
	s.TR = x86.Segment{Attr: 0x8b, Limit: 0xffff}
	s.LDTR = x86.Segment{Attr: 0x82}
	s.GDTR = x86.DescTable{Base: gdtAddr, Limit: 23}
	s.IDTR = x86.DescTable{Base: idtAddr, Limit: 0x7ff}
	s.CR0 = x86.CR0PE | x86.CR0ET
	s.RIP = codeAddr
	s.GPR[x86.RSP] = 0x9000
	s.RFLAGS = 2
	s.DR[6], s.DR[7] = 0xffff0ff0, 0x400
	c.SetState(&s)
	return &guest{cpu: c, host: h, ram: ram}
}

func (g *guest) u32(a int) uint32 { return binary.LittleEndian.Uint32(g.ram[a:]) }

// run runs L1 under L0 until it stops and returns the stop and the trace.
func (g *guest) run(t *testing.T, cfg Config) (Stop, []Record) {
	t.Helper()
	var recs []Record
	cfg.Trace = func(r Record) { recs = append(recs, r) }
	v, err := New(g.cpu, g.host, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v.Run(100000), recs
}

// le32 encodes a little-endian dword.
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
