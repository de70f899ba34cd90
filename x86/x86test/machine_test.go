package x86test

import (
	"encoding/binary"
	"fmt"

	"github.com/govmm/govmm/x86"
)

// Guest-physical layout of the test machine (identity-mapped in long mode):
//
//	0x00000  real-mode IVT (256 x 4 bytes)
//	0x01000  GDT
//	0x02000  IDT (256 x 8 or 16 bytes)
//	0x03000  HLT stub every interrupt and exception vector points at
//	0x04000  TSS (32- or 64-bit)
//	0x10000  PML4, 0x11000 PDPT, 0x12000 PD (2 MiB pages, first 1 GiB)
//	0x13000  32-bit page directory (4 MiB pages, all 4 GiB)
//	0x20000  code under test (up to codeMax bytes)
//	0x80000  top of the stack (real mode: SS=0x7000, SP=0xfffe)
//	0xfffff  end of RAM; everything above is MMIO handled by ioStub
const (
	ramSize   = 1 << 20
	gdtBase   = 0x1000
	idtBase   = 0x2000
	stubBase  = 0x3000
	tssBase   = 0x4000
	pml4Base  = 0x10000
	pdptBase  = 0x11000
	pdBase    = 0x12000
	pd32Base  = 0x13000
	codeBase  = 0x20000
	codeMax   = 0x10000
	stackTop  = 0x80000
	debugExit = 0xf4 // OUT to this port makes the stub call RequestStop
	intrPort  = 0x20 // OUT v here raises INTR with vector v
	nmiPort   = 0x61 // OUT here raises an NMI
)

// GDT selectors.
const (
	selCode64  = 0x08
	selData    = 0x10
	selCode32  = 0x18
	selCode16  = 0x20
	selTSS     = 0x28 // 16 bytes in long mode
	selUCode32 = 0x38 | 3
	selUData   = 0x40 | 3
	selUCode64 = 0x48 | 3
)

// cpuMode is the execution environment a program starts in.
type cpuMode uint8

const (
	realMode cpuMode = iota // CR0.PE = 0, CS = 0x2000
	prot32                  // flat 32-bit protected mode, paging off, CPL 0
	long64                  // 64-bit long mode, identity paging, CPL 0
	compat32                // long mode, 32-bit compatibility-mode code, CPL 0
	paged32                 // 32-bit protected mode, 4 MiB pages (CR4.PSE), CPL 0
	user32                  // 32-bit protected mode, paging off, CPL 3
	user64                  // 64-bit long mode, CPL 3
	v86                     // virtual-8086 mode (CPL 3), CS = 0x2000
	numModes
)

func (m cpuMode) String() string {
	return [...]string{"real", "prot32", "long64", "compat32", "paged32", "user32", "user64", "v86"}[m]
}

// machineConfig selects a test machine.
type machineConfig struct {
	mode    cpuMode
	zeroIDT bool // IDT limit 0: every exception escalates to a triple fault
	intr    bool // RFLAGS.IF = 1, and OUT to intrPort/nmiPort raise INTR/NMI
	iopl3   bool // RFLAGS.IOPL = 3
}

func (mc machineConfig) String() string {
	s := mc.mode.String()
	if mc.zeroIDT {
		s += "/zero-idt"
	} else {
		s += "/hlt-idt"
	}
	if mc.intr {
		s += "/intr"
	}
	if mc.iopl3 {
		s += "/iopl3"
	}
	return s
}

// ioEvent is one Platform call.
type ioEvent struct {
	kind string // "in", "out", "mmio-r", "mmio-w", "ack"
	addr uint64
	size int
	val  uint64
}

// ioStub is a Platform that records I/O and checks the CPU's side of the
// contract (sizes, addresses).
type ioStub struct {
	cpu     *x86.CPU
	ramSize uint64
	intr    bool
	events  []ioEvent // the first maxEvents calls
	count   int       // all calls
	effects []ioEvent // the first maxEvents calls other than MMIO reads
	effectN int       // all calls other than MMIO reads
	errs    []string  // contract violations
	vector  uint8     // pending INTR vector
	pending bool
	romBase uint64 // MMIO reads in [romBase, romBase+len(rom)) return rom
	rom     []byte
}

const maxEvents = 64

func (p *ioStub) record(e ioEvent) {
	p.count++
	if len(p.events) < maxEvents {
		p.events = append(p.events, e)
	}
	if e.kind != "mmio-r" {
		p.effectN++
		if len(p.effects) < maxEvents {
			p.effects = append(p.effects, e)
		}
	}
}

func (p *ioStub) violation(format string, args ...any) {
	if len(p.errs) < 8 {
		p.errs = append(p.errs, fmt.Sprintf(format, args...))
	}
}

func (p *ioStub) In(port uint16, size int) uint32 {
	if size != 1 && size != 2 && size != 4 {
		p.violation("In(%#x) with size %d", port, size)
	}
	v := uint32(port)*0x9e3779b1 ^ 0x5a5a5a5a // deterministic, not all-ones
	if size < 4 && size > 0 {
		v &= 1<<(8*size) - 1
	}
	p.record(ioEvent{"in", uint64(port), size, uint64(v)})
	return v
}

func (p *ioStub) Out(port uint16, size int, v uint32) {
	if size != 1 && size != 2 && size != 4 {
		p.violation("Out(%#x) with size %d", port, size)
	}
	if size < 4 && size > 0 && v>>(8*size) != 0 {
		p.violation("Out(%#x, size %d) value %#x wider than the port", port, size, v)
	}
	p.record(ioEvent{"out", uint64(port), size, uint64(v)})
	switch {
	case port == debugExit:
		p.cpu.RequestStop()
	case port == intrPort && p.intr:
		p.vector, p.pending = uint8(v), true
		p.cpu.SetINTR(true)
	case port == nmiPort && p.intr:
		p.cpu.RaiseNMI()
	}
}

func (p *ioStub) ReadMMIO(addr uint64, data []byte) {
	if len(data) == 0 {
		p.violation("ReadMMIO(%#x) with no data", addr)
	}
	if addr < p.ramSize {
		p.violation("ReadMMIO(%#x, %d bytes) inside RAM", addr, len(data))
	}
	for i := range data {
		a := addr + uint64(i)
		if a-p.romBase < uint64(len(p.rom)) {
			data[i] = p.rom[a-p.romBase]
		} else {
			data[i] = byte(a) ^ 0xa5
		}
	}
	p.record(ioEvent{"mmio-r", addr, len(data), 0})
}

func (p *ioStub) WriteMMIO(addr uint64, data []byte) {
	if len(data) == 0 {
		p.violation("WriteMMIO(%#x) with no data", addr)
	}
	if addr < p.ramSize {
		p.violation("WriteMMIO(%#x, %d bytes) inside RAM", addr, len(data))
	}
	var v uint64
	for i := len(data) - 1; i >= 0 && i < 8; i-- {
		v = v<<8 | uint64(data[i])
	}
	p.record(ioEvent{"mmio-w", addr, len(data), v})
}

func (p *ioStub) AckInterrupt() (uint8, bool) {
	p.record(ioEvent{"ack", uint64(p.vector), 0, 0})
	if !p.pending {
		return 0, false
	}
	p.pending = false
	p.cpu.SetINTR(false)
	return p.vector, true
}

// descriptor builds an 8-byte segment descriptor from a base, a limit in
// granularity units, the access byte and the flags nibble (G, D/B, L, AVL).
func descriptor(base, limit uint32, access, flags uint8) uint64 {
	return uint64(limit&0xffff) | uint64(base&0xffffff)<<16 | uint64(access)<<40 |
		uint64(limit>>16&0xf)<<48 | uint64(flags&0xf)<<52 | uint64(base>>24)<<56
}

// newMachine builds RAM holding code and the system structures for mc, and a
// CPU in the matching state.
func newMachine(mc machineConfig, code []byte) (*x86.CPU, *ioStub) {
	ram := make([]byte, ramSize)
	copy(ram[codeBase:codeBase+codeMax], code)
	le := binary.LittleEndian
	long := mc.mode == long64 || mc.mode == compat32 || mc.mode == user64

	// GDT.
	le.PutUint64(ram[gdtBase+selCode64:], descriptor(0, 0xfffff, 0x9b, 0xa))
	le.PutUint64(ram[gdtBase+selData:], descriptor(0, 0xfffff, 0x93, 0xc))
	le.PutUint64(ram[gdtBase+selCode32:], descriptor(0, 0xfffff, 0x9b, 0xc))
	le.PutUint64(ram[gdtBase+selCode16:], descriptor(0, 0xffff, 0x9b, 0x0))
	le.PutUint64(ram[gdtBase+selTSS:], descriptor(tssBase, 0x67, 0x8b, 0)) // busy TSS
	le.PutUint64(ram[gdtBase+selUCode32&^3:], descriptor(0, 0xfffff, 0xfb, 0xc))
	le.PutUint64(ram[gdtBase+selUData&^3:], descriptor(0, 0xfffff, 0xf3, 0xc))
	le.PutUint64(ram[gdtBase+selUCode64&^3:], descriptor(0, 0xfffff, 0xfb, 0xa))
	const gdtLimit = selUCode64&^3 + 8 - 1

	// HLT stub; TSS ring-0 stack.
	ram[stubBase] = 0xf4   // hlt
	ram[stubBase+1] = 0xeb // jmp $-3 (back to hlt if woken)
	ram[stubBase+2] = 0xfd
	if long {
		le.PutUint64(ram[tssBase+4:], stackTop-0x1000) // RSP0
	} else {
		le.PutUint32(ram[tssBase+4:], stackTop-0x1000) // ESP0
		le.PutUint16(ram[tssBase+8:], selData)         // SS0
	}
	le.PutUint16(ram[tssBase+0x66:], 0x68) // I/O map base at the limit: no bitmap, every port denied

	// Interrupt tables: DPL-3 interrupt gates to ring-0 code at the stub.
	for v := 0; v < 256; v++ {
		le.PutUint32(ram[v*4:], stubBase) // IVT: 0000:3000
		if long {
			le.PutUint64(ram[idtBase+v*16:], stubBase&0xffff|uint64(selCode64)<<16|uint64(0xee)<<40|(stubBase>>16)<<48)
			le.PutUint64(ram[idtBase+v*16+8:], 0)
		} else {
			le.PutUint64(ram[idtBase+v*8:], stubBase&0xffff|uint64(selCode32)<<16|uint64(0xee)<<40|(stubBase>>16)<<48)
		}
	}

	// Identity page tables: long mode, first GiB in 2 MiB pages; 32-bit
	// paging, 4 GiB in 4 MiB pages. All user-accessible and writable.
	le.PutUint64(ram[pml4Base:], pdptBase|7)
	le.PutUint64(ram[pdptBase:], pdBase|7)
	for i := uint64(0); i < 512; i++ {
		le.PutUint64(ram[pdBase+i*8:], i<<21|0x87) // P, RW, US, PS
	}
	for i := uint32(0); i < 1024; i++ {
		le.PutUint32(ram[pd32Base+i*4:], i<<22|0x87)
	}

	p := &ioStub{ramSize: ramSize, intr: mc.intr}
	c := x86.New(ram, p)
	p.cpu = c

	var s x86.State
	s.RFLAGS = 0x2
	if mc.intr {
		s.RFLAGS |= x86.FlagIF
	}
	if mc.iopl3 {
		s.RFLAGS |= x86.FlagIOPL
	}
	s.DR[6], s.DR[7] = 0xffff0ff0, 0x400
	s.PAT = 0x0007040600070406
	s.GDTR = x86.DescTable{Base: gdtBase, Limit: gdtLimit}
	s.LDTR = x86.Segment{} // unusable
	s.TR = x86.Segment{Sel: selTSS, Base: tssBase, Limit: 0x67, Attr: 0x8b}
	s.IDTR = x86.DescTable{Base: idtBase, Limit: 256*8 - 1}
	if long {
		s.IDTR.Limit = 256*16 - 1
		s.CR0 = x86.CR0PE | x86.CR0ET | x86.CR0PG | x86.CR0WP
		s.CR3 = pml4Base
		s.CR4 = x86.CR4PAE
		s.EFER = x86.EFERLME | x86.EFERLMA | x86.EFERSCE | x86.EFERNXE
	} else if mc.mode != realMode {
		s.CR0 = x86.CR0PE | x86.CR0ET
	}
	flat := func(sel uint16, attr uint16) x86.Segment {
		return x86.Segment{Sel: sel, Limit: 0xffffffff, Attr: attr}
	}
	setSegs := func(code, data x86.Segment) {
		s.Seg = [6]x86.Segment{data, code, data, data, data, data}
	}
	s.GPR[x86.RSP] = stackTop
	s.RIP = codeBase
	switch mc.mode {
	case realMode, v86:
		attr := uint16(0x93)
		if mc.mode == v86 {
			attr = 0xf3
			s.RFLAGS |= x86.FlagVM
			s.CPL = 3
		} else {
			s.CR0 = x86.CR0ET
			s.IDTR = x86.DescTable{Base: 0, Limit: 0x3ff}
		}
		data := x86.Segment{Limit: 0xffff, Attr: attr}
		s.Seg = [6]x86.Segment{data, data, data, data, data, data}
		s.Seg[x86.CS] = x86.Segment{Sel: codeBase >> 4, Base: codeBase, Limit: 0xffff, Attr: attr | 8}
		if mc.mode == v86 {
			s.Seg[x86.CS].Attr = attr
		}
		s.Seg[x86.SS] = x86.Segment{Sel: (stackTop - 0x10000) >> 4, Base: stackTop - 0x10000, Limit: 0xffff, Attr: attr}
		s.GPR[x86.RSP] = 0xfffe
		s.RIP = 0
	case prot32:
		setSegs(flat(selCode32, 0xc9b), flat(selData, 0xc93))
	case paged32:
		setSegs(flat(selCode32, 0xc9b), flat(selData, 0xc93))
		s.CR0 |= x86.CR0PG | x86.CR0WP
		s.CR3 = pd32Base
		s.CR4 = x86.CR4PSE
	case user32:
		setSegs(flat(selUCode32, 0xcfb), flat(selUData, 0xcf3))
		s.CPL = 3
	case long64:
		setSegs(flat(selCode64, 0xa9b), flat(selData, 0xc93))
	case compat32:
		setSegs(flat(selCode32, 0xc9b), flat(selData, 0xc93))
	case user64:
		setSegs(flat(selUCode64, 0xafb), flat(selUData, 0xcf3))
		s.CPL = 3
	}
	if mc.zeroIDT {
		s.IDTR.Limit = 0
	}
	c.SetState(&s)
	c.Invalidate()
	return c, p
}
