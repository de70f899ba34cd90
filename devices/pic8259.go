package devices

// I/O ports of the two 8259As of a PC: each chip has a command port (A0 = 0)
// and a data port (A0 = 1).
const (
	PICMasterBase = 0x20
	PICSlaveBase  = 0xA0
	PICSize       = 2
)

// The interrupt masks SeaBIOS leaves in the PICs, which Multiboot kernels see
// under QEMU: master 0xB8 (IRQ0, 1, 2, 6 enabled), slave 0x8E (IRQ8, 12, 13,
// 14 enabled).
const (
	SeaBIOSMasterIMR = 0xB8
	SeaBIOSSlaveIMR  = 0x8E
)

// Command-port bits (Intel 8259A data sheet, "Programming the 8259A").
const (
	icw1Select = 0x10 // A0=0, D4=1: ICW1
	icw1IC4    = 0x01 // ICW4 needed
	icw1SNGL   = 0x02 // single mode (no ICW3)
	icw1LTIM   = 0x08 // level-triggered inputs
	ocw3Select = 0x08 // A0=0, D4=0, D3=1: OCW3 (D3=0: OCW2)
	ocw3RIS    = 0x01 // read ISR (with RR), else IRR
	ocw3RR     = 0x02 // read register command
	ocw3P      = 0x04 // poll command
	ocw3SMM    = 0x20 // special mask mode (with ESMM)
	ocw3ESMM   = 0x40 // enable special mask mode change
	icw4AEOI   = 0x02 // automatic end of interrupt
	icw4SFNM   = 0x10 // special fully nested mode
)

// OCW2 commands: bits R, SL, EOI (D7-D5).
const (
	ocw2RotateAEOIClear = 0 // rotate in automatic EOI mode (clear)
	ocw2NonSpecificEOI  = 1
	ocw2NOP             = 2
	ocw2SpecificEOI     = 3
	ocw2RotateAEOISet   = 4 // rotate in automatic EOI mode (set)
	ocw2RotateNonSpec   = 5 // rotate on non-specific EOI
	ocw2SetPriority     = 6
	ocw2RotateSpecific  = 7 // rotate on specific EOI
)

// pic8259Chip is one 8259A.
type pic8259Chip struct {
	irr, isr, imr byte
	lines         byte // input levels as last set (edge detection)
	vbase         byte // ICW2 bits 7:3: vector = vbase | IR
	icw1          byte
	icw3          byte // master: IRs with a slave; slave: its ID
	icw4          byte
	next          int  // next ICW expected on the data port: 2, 3, 4, or 0 (ready: OCW1)
	readISR       bool // OCW3: the command port reads ISR, not IRR
	poll          bool // OCW3: the next command-port read is a poll
	smm           bool // special mask mode
	rotateAEOI    bool // rotate priorities on automatic EOI
	lowest        byte // IR with the lowest priority; IR lowest+1 has the highest
}

// init resets the chip as ICW1 does (data sheet "Initialization Command
// Words"): edge sense reset, IMR cleared, IR7 lowest priority, special mask
// mode off, status read set to IRR; ISR is cleared too.
func (c *pic8259Chip) init(icw1 byte) {
	c.icw1 = icw1
	c.irr, c.isr, c.imr = 0, 0, 0
	if c.ltim() {
		c.irr = c.lines
	}
	c.readISR, c.poll, c.smm, c.rotateAEOI = false, false, false, false
	c.lowest = 7
	if icw1&icw1IC4 == 0 {
		c.icw4 = 0
	}
	c.next = 2
}

func (c *pic8259Chip) ltim() bool { return c.icw1&icw1LTIM != 0 }

// rank is ir's priority: 0 is the highest, 7 the lowest.
func (c *pic8259Chip) rank(ir byte) byte { return (ir - c.lowest - 1) & 7 }

// highest returns the highest-priority IR set in set.
func (c *pic8259Chip) highest(set byte) (byte, bool) {
	for i := byte(1); i <= 8; i++ {
		if ir := (c.lowest + i) & 7; set&(1<<ir) != 0 {
			return ir, true
		}
	}
	return 0, false
}

// request returns the IR the chip would signal on INT: the highest-priority
// unmasked request that is not blocked by an equal or higher in-service
// level. In special mask mode, masked levels do not block; in special fully
// nested mode the master's cascade input does not block itself.
func (c *pic8259Chip) request(master bool) (byte, bool) {
	r, ok := c.highest(c.irr &^ c.imr)
	if !ok {
		return 0, false
	}
	inService := c.isr
	if c.smm {
		inService &^= c.imr
	}
	if master && c.icw4&icw4SFNM != 0 && c.icw3&(1<<r) != 0 {
		inService &^= 1 << r
	}
	if s, busy := c.highest(inService); busy && c.rank(s) <= c.rank(r) {
		return 0, false
	}
	return r, true
}

// inta is the interrupt acknowledge of IR ir: its request is consumed and
// it goes in service (or, with automatic EOI, straight out again).
func (c *pic8259Chip) inta(ir byte) {
	bit := byte(1) << ir
	c.irr &^= bit
	if c.ltim() {
		c.irr |= c.lines & bit // a level request stays while the line is high
	}
	if c.icw4&icw4AEOI != 0 {
		if c.rotateAEOI {
			c.lowest = ir
		}
		return
	}
	c.isr |= bit
}

// setLine sets the level of input ir.
func (c *pic8259Chip) setLine(ir byte, level bool) {
	bit := byte(1) << ir
	rising := level && c.lines&bit == 0
	if level {
		c.lines |= bit
	} else {
		c.lines &^= bit
	}
	switch {
	case c.ltim():
		c.irr = c.irr&^bit | c.lines&bit
	case rising:
		// Edge mode: the request is latched on the rising edge and stays
		// until acknowledged, even if the line falls again (so a pulse on
		// the line is enough).
		c.irr |= bit
	}
}

// ocw2 carries out an OCW2 command.
func (c *pic8259Chip) ocw2(v byte) {
	l := v & 7
	switch v >> 5 {
	case ocw2NonSpecificEOI, ocw2RotateNonSpec:
		ir, ok := c.highest(c.isr)
		if !ok {
			return
		}
		c.isr &^= 1 << ir
		if v>>5 == ocw2RotateNonSpec {
			c.lowest = ir
		}
	case ocw2SpecificEOI:
		c.isr &^= 1 << l
	case ocw2RotateSpecific:
		c.isr &^= 1 << l
		c.lowest = l
	case ocw2SetPriority:
		c.lowest = l
	case ocw2RotateAEOISet:
		c.rotateAEOI = true
	case ocw2RotateAEOIClear:
		c.rotateAEOI = false
	case ocw2NOP:
	}
}

// PIC8259 is the cascaded pair of Intel 8259A programmable interrupt
// controllers of a PC: the master at 0x20/0x21 delivers IRQ0-7, the slave at
// 0xA0/0xA1 delivers IRQ8-15 through the master's IR2.
//
// Programming follows the data sheet: ICW1-ICW4 initialisation, OCW1 (IMR),
// OCW2 (non-specific, specific and rotating EOI, set priority), OCW3 (IRR/ISR
// read select, poll, special mask mode), automatic EOI and special fully
// nested mode. Vectors are always formed in 8086 mode (ICW2 | IR); the
// 8080/85 call format is not modelled. Inputs are edge-triggered unless ICW1
// selects level triggering (LTIM); the ELCR of later chipsets is not
// modelled. The master's IR2 follows the slave's INT output as a level.
//
// Power-on state: both chips as a PC BIOS initialises them (master vectors
// 0x08-0x0F, slave 0x70-0x77, slave on IR2, 8086 mode, edge-triggered) with
// nothing masked (IMR 0). SetIMR(SeaBIOSMasterIMR, SeaBIOSSlaveIMR) gives the
// masks Multiboot kernels see under QEMU.
//
// The VM inserts Master() at PICMasterBase and Slave() at PICSlaveBase (each
// PICSize ports), wires device interrupt lines to SetIRQ, and uses Pending,
// Ack and INTR for the CPU side. Wider accesses are split into byte accesses
// to consecutive ports. Use NewPIC8259; the zero value is not initialised.
type PIC8259 struct {
	// INTR is called with the new level of the master's INT output whenever
	// it changes; may be nil.
	INTR func(level bool)

	chips [2]pic8259Chip // master, slave
	intr  bool           // last level passed to INTR
}

// NewPIC8259 returns the PIC pair in its power-on state.
func NewPIC8259() *PIC8259 {
	p := &PIC8259{}
	p.Reset()
	return p
}

// Reset puts both chips in the power-on state described on PIC8259. Input
// levels and INTR are kept.
func (p *PIC8259) Reset() {
	for i, base := range [2]byte{0x08, 0x70} {
		c := &p.chips[i]
		c.init(icw1Select | icw1IC4)
		c.vbase = base
		c.icw3 = [2]byte{1 << 2, 2}[i]
		c.icw4 = 0x01 // 8086 mode
		c.next = 0
	}
	p.update()
}

// SetIMR sets both interrupt mask registers, as firmware would have.
func (p *PIC8259) SetIMR(master, slave byte) {
	p.chips[0].imr = master
	p.chips[1].imr = slave
	p.update()
}

// SetIRQ sets the level of ISA interrupt line irq (0-15). Line 2 is the
// cascade and cannot be driven; out-of-range lines are ignored.
func (p *PIC8259) SetIRQ(irq int, level bool) {
	if irq < 0 || irq > 15 || irq == 2 {
		return
	}
	p.chips[irq>>3].setLine(byte(irq&7), level)
	p.update()
}

// Pending reports whether the master's INT output is asserted.
func (p *PIC8259) Pending() bool {
	_, ok := p.chips[0].request(true)
	return ok
}

// Ack is the CPU's interrupt acknowledge cycle. It returns the vector of
// the highest-priority request and puts it in service, on the slave too when
// the master's request came from the cascade. ok is false when the master
// has no request (hardware would answer with the spurious IR7 vector; here
// the VM only acknowledges while Pending holds, so that does not arise).
func (p *PIC8259) Ack() (vector uint8, ok bool) {
	m, s := &p.chips[0], &p.chips[1]
	ir, ok := m.request(true)
	if !ok {
		return 0, false
	}
	m.inta(ir)
	vector = m.vbase | ir
	if ir == 2 && m.icw3&(1<<2) != 0 { // the slave drives the vector
		if sir, sok := s.request(false); sok {
			s.inta(sir)
			vector = s.vbase | sir
		} else {
			// The slave withdrew its request: it answers with IR7 and
			// sets no ISR bit (a spurious IRQ15). Unreachable while the
			// master's IR2 follows the slave's output; kept for safety.
			vector = s.vbase | 7
		}
	}
	p.update()
	return vector, true
}

// Master returns the master's ports, for the bus at PICMasterBase.
func (p *PIC8259) Master() Device { return picPorts{p, 0} }

// Slave returns the slave's ports, for the bus at PICSlaveBase.
func (p *PIC8259) Slave() Device { return picPorts{p, 1} }

// picPorts is the command and data port of one chip.
type picPorts struct {
	p    *PIC8259
	chip int
}

// Read implements Device.
func (pp picPorts) Read(off uint64, data []byte) {
	for i := range data {
		data[i] = pp.p.read(pp.chip, off+uint64(i))
	}
}

// Write implements Device.
func (pp picPorts) Write(off uint64, data []byte) {
	for i, v := range data {
		pp.p.write(pp.chip, off+uint64(i), v)
	}
}

func (p *PIC8259) read(chip int, off uint64) byte {
	c := &p.chips[chip]
	switch off {
	case 0:
		if c.poll {
			// A poll is an interrupt acknowledge without INTA: it reads
			// 0x80 | level of the highest request, or 0 for none.
			c.poll = false
			ir, ok := c.request(chip == 0)
			if !ok {
				return 0
			}
			c.inta(ir)
			p.update()
			return 0x80 | ir
		}
		if c.readISR {
			return c.isr
		}
		return c.irr
	case 1:
		return c.imr
	}
	return 0xFF
}

func (p *PIC8259) write(chip int, off uint64, v byte) {
	c := &p.chips[chip]
	switch {
	case off == 0 && v&icw1Select != 0:
		c.init(v)
	case off == 0 && v&ocw3Select != 0:
		if v&ocw3ESMM != 0 {
			c.smm = v&ocw3SMM != 0
		}
		if v&ocw3RR != 0 {
			c.readISR = v&ocw3RIS != 0
		}
		c.poll = v&ocw3P != 0
	case off == 0:
		c.ocw2(v)
	case off == 1:
		switch c.next {
		case 2:
			c.vbase = v & 0xF8
			switch {
			case c.icw1&icw1SNGL == 0:
				c.next = 3
			case c.icw1&icw1IC4 != 0:
				c.next = 4
			default:
				c.next = 0
			}
		case 3:
			c.icw3 = v
			c.next = 0
			if c.icw1&icw1IC4 != 0 {
				c.next = 4
			}
		case 4:
			c.icw4 = v
			c.next = 0
		default:
			c.imr = v // OCW1
		}
	}
	p.update()
}

// update propagates the slave's INT output to the master's IR2 and reports
// a change of the master's INT output to INTR.
func (p *PIC8259) update() {
	m := &p.chips[0]
	if _, ok := p.chips[1].request(false); ok {
		m.lines |= 1 << 2
		m.irr |= 1 << 2
	} else {
		m.lines &^= 1 << 2
		m.irr &^= 1 << 2
	}
	if level := p.Pending(); level != p.intr {
		p.intr = level
		if p.INTR != nil {
			p.INTR(level)
		}
	}
}
