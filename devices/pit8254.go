package devices

import "math/bits"

// I/O ports of the 8254 PIT (counters 0-2 at 0x40-0x42, control word at
// 0x43) and of the PC's system control port B at 0x61, which gates counter 2
// and reads its output.
const (
	PITBase   = 0x40
	PITSize   = 4
	PortBBase = 0x61
	PortBSize = 1
)

// PITHz is the 8254's input clock on a PC: 1.193182 MHz.
const PITHz = 1193182

// DefaultTickHz is the instruction-clock rate NewPIT8254 assumes when given
// 0: one tick per nanosecond.
const DefaultTickHz = 1_000_000_000

// Control word fields (Intel 8254 data sheet, "Control Word Format").
const (
	pitSC       = 0xC0 // select counter; 11 = read-back command
	pitRW       = 0x30 // read/write: 00 latch, 01 LSB, 10 MSB, 11 LSB then MSB
	pitM        = 0x0E // mode
	pitBCD      = 0x01
	pitReadBack = 0xC0
	rbNotCount  = 0x20 // read-back: bit clear = latch count
	rbNotStatus = 0x10 // read-back: bit clear = latch status
	rwLSB       = 1
	rwMSB       = 2
	rwLSBMSB    = 3
)

// Port 0x61 bits.
const (
	portBGate2   = 0x01 // counter 2 gate
	portBRefresh = 0x10 // refresh request toggle (read-only)
	portBOut2    = 0x20 // counter 2 output (read-only)
)

// refreshCycles is how many PIT cycles make one half-period of the port
// 0x61 refresh toggle: the PC/AT requests a DRAM refresh every 15.09 µs,
// 18 PIT cycles.
const refreshCycles = 18

// pitChannel is one counter. Its count is not stored as a register that
// decrements but derived from d, the PIT cycles counted since the counting
// element was loaded, which is what makes reads between events exact.
type pitChannel struct {
	ctrl byte // last control word bits 5:0: RW, mode, BCD (the status byte)
	gate bool

	cr        uint32 // count register: the last count written, 1..modulus
	n         uint32 // count in the counting element, 1..modulus
	nullCount bool   // cr has not reached the counting element yet

	loaded   bool   // a count was written since the control word
	counting bool   // d advances with the clock
	start    uint64 // PIT cycle at which d = 0, while counting
	held     uint64 // d, while not counting
	lastD    uint64 // d when the channel was last synchronised
	edgeDone bool   // one-shot modes: OUT's rising edge has been signalled

	pending bool   // modes 2/3: cr moves into n at the cycle pendAt
	pendAt  uint64 // the end of the period in which cr was written

	wMSB, rMSB    bool   // LSB/MSB flip-flops for writing and reading
	wLSB          byte   // LSB written, waiting for the MSB
	latched       int    // latched count bytes left to read
	latch         uint16 // latched count
	statusLatched bool
	status        byte
}

// mode returns the counter mode 0-5 (6 and 7 are 2 and 3).
func (ch *pitChannel) mode() byte {
	m := (ch.ctrl & pitM) >> 1
	if m >= 6 {
		m -= 4
	}
	return m
}

func (ch *pitChannel) rw() byte { return (ch.ctrl & pitRW) >> 4 }

func (ch *pitChannel) bcd() bool { return ch.ctrl&pitBCD != 0 }

// modulus is the count range: a count of 0 means 0x10000 (binary) or 10000
// (BCD).
func (ch *pitChannel) modulus() uint32 {
	if ch.bcd() {
		return 10000
	}
	return 0x10000
}

// d returns the cycles counted at PIT cycle c.
func (ch *pitChannel) d(c uint64) uint64 {
	if ch.counting {
		return c - ch.start
	}
	return ch.held
}

// value is the counting element's contents at cycle c, as a number.
func (ch *pitChannel) value(c uint64) uint32 {
	if !ch.loaded && !ch.counting {
		return ch.n % ch.modulus()
	}
	d, n, m := ch.d(c), uint64(ch.n), uint64(ch.modulus())
	var v uint64
	switch ch.mode() {
	case 2:
		v = n - d%n
	case 3:
		// Square wave: the count drops by two per cycle and reloads at the
		// end of each half-period. An odd count spends one cycle more in
		// the high half: it loads N, then N-1, N-3, …, 2; and in the low
		// half N, N-3, N-5, …, 2.
		p := d % n
		switch h := (n + 1) / 2; {
		case n%2 == 0:
			v = n - 2*(p%(n/2))
		case p == 0 || p == h:
			v = n
		case p < h:
			v = n + 1 - 2*p
		default:
			v = n - 1 - 2*(p-h)
		}
	default: // modes 0, 1, 4, 5 count down through 0 and wrap
		v = n + m - d%m
	}
	return uint32(v % m)
}

// out is the level of OUT at cycle c.
func (ch *pitChannel) out(c uint64) bool {
	if !ch.loaded && !ch.counting {
		return ch.mode() != 0 // the control word sets OUT low in mode 0, high otherwise
	}
	d, n := ch.d(c), uint64(ch.n)
	switch ch.mode() {
	case 0:
		return d >= n
	case 1:
		return !ch.counting || d >= n
	case 2:
		return !ch.counting || n < 2 || d%n != n-1
	case 3:
		return !ch.counting || d%n < (n+1)/2
	case 4:
		return d != n
	default: // 5
		return !ch.counting || d != n
	}
}

// sync brings the channel to PIT cycle c and reports whether OUT had a
// rising edge since the last sync (several collapse into one).
func (ch *pitChannel) sync(c uint64) bool {
	if !ch.counting {
		return false
	}
	edge := false
	if ch.pending && c >= ch.pendAt {
		// The period in which the new count was written has ended (with a
		// rising edge); the new count starts there.
		edge = true
		ch.start, ch.n = ch.pendAt, ch.cr
		ch.pending, ch.nullCount = false, false
		ch.lastD = 0
	}
	d, n := c-ch.start, uint64(ch.n)
	switch ch.mode() {
	case 2, 3: // rising edge at the end of every period
		if d/n > ch.lastD/n {
			edge = true
		}
	case 0, 1: // rising edge at terminal count
		if !ch.edgeDone && d >= n {
			edge, ch.edgeDone = true, true
		}
	case 4, 5: // a one-cycle low pulse at terminal count
		if !ch.edgeDone && d >= n+1 {
			edge, ch.edgeDone = true, true
		}
	}
	ch.lastD = d
	return edge
}

// nextEdge returns the PIT cycle of OUT's next rising edge.
func (ch *pitChannel) nextEdge() (uint64, bool) {
	if !ch.counting {
		return 0, false
	}
	n := uint64(ch.n)
	switch ch.mode() {
	case 2, 3:
		e := ch.start + (ch.lastD/n+1)*n
		if ch.pending && ch.pendAt < e {
			e = ch.pendAt
		}
		return e, true
	case 0, 1:
		return ch.start + n, !ch.edgeDone
	default:
		return ch.start + n + 1, !ch.edgeDone
	}
}

// control applies a control word that selects this channel (RW ≠ 00): all
// control logic resets and OUT goes to its initial state; counting stops
// until a count is written.
func (ch *pitChannel) control(v byte) {
	gate := ch.gate
	*ch = pitChannel{ctrl: v & 0x3F, gate: gate, n: ch.n, cr: ch.cr, nullCount: true}
}

// writeCount loads a complete count written at cycle c.
func (ch *pitChannel) writeCount(raw uint16, c uint64) {
	n := uint32(raw)
	if ch.bcd() {
		n = uint32(raw>>12&0xF)*1000 + uint32(raw>>8&0xF)*100 + uint32(raw>>4&0xF)*10 + uint32(raw&0xF)
	}
	if n == 0 {
		n = ch.modulus()
	}
	ch.cr, ch.nullCount = n, true
	switch ch.mode() {
	case 1, 5:
		// Waits for a trigger on GATE; a running one-shot is unaffected.
		ch.loaded = true
	case 2, 3:
		if ch.counting {
			// The new count takes effect at the end of the current
			// period (data sheet: "at the end of the current counting
			// cycle"; for mode 3 the half-cycle is not distinguished).
			ch.pending = true
			ch.pendAt = ch.start + (ch.lastD/uint64(ch.n)+1)*uint64(ch.n)
			return
		}
		ch.restart(c)
	default: // 0, 4: a new count restarts counting at once
		ch.restart(c)
	}
}

// restart moves cr into the counting element at cycle c; counting begins if
// GATE is high.
func (ch *pitChannel) restart(c uint64) {
	ch.n, ch.nullCount = ch.cr, false
	ch.loaded, ch.pending, ch.edgeDone = true, false, false
	ch.lastD, ch.held = 0, 0
	ch.counting, ch.start = ch.gate, c
}

// setGate changes GATE at cycle c (after sync).
func (ch *pitChannel) setGate(g bool, c uint64) {
	if g == ch.gate {
		return
	}
	ch.gate = g
	switch ch.mode() {
	case 0, 4: // GATE low suspends counting
		if !g && ch.counting {
			ch.held, ch.counting = c-ch.start, false
		} else if g && ch.loaded && !ch.counting {
			ch.start, ch.counting = c-ch.held, true
		}
	case 2, 3: // GATE low stops counting (OUT high); a rising edge reloads
		if !g && ch.counting {
			ch.held, ch.counting = c-ch.start, false
		} else if g && ch.loaded {
			ch.restart(c)
		}
	case 1, 5: // a rising edge triggers (or retriggers) the one-shot
		if g && ch.loaded {
			ch.restart(c)
		}
	}
}

// latchCount is the counter latch command.
func (ch *pitChannel) latchCount(c uint64) {
	if ch.latched > 0 {
		return // a latched count is held until read
	}
	ch.latch = ch.encode(ch.value(c))
	ch.latched = 1
	if ch.rw() == rwLSBMSB {
		ch.latched = 2
	}
}

// encode converts a count to the counter's binary or BCD representation.
func (ch *pitChannel) encode(v uint32) uint16 {
	if !ch.bcd() {
		return uint16(v)
	}
	return uint16(v/1000%10<<12 | v/100%10<<8 | v/10%10<<4 | v%10)
}

// readData is a read of the counter's data port at cycle c.
func (ch *pitChannel) readData(c uint64) byte {
	if ch.statusLatched {
		ch.statusLatched = false
		return ch.status
	}
	if ch.latched > 0 {
		ch.latched--
		if ch.rw() == rwMSB || ch.rw() == rwLSBMSB && ch.latched == 0 {
			return byte(ch.latch >> 8)
		}
		return byte(ch.latch)
	}
	v := ch.encode(ch.value(c))
	switch ch.rw() {
	case rwMSB:
		return byte(v >> 8)
	case rwLSBMSB:
		ch.rMSB = !ch.rMSB
		if !ch.rMSB {
			return byte(v >> 8)
		}
	}
	return byte(v)
}

// writeData is a write to the counter's data port at cycle c.
func (ch *pitChannel) writeData(v byte, c uint64) {
	switch ch.rw() {
	case rwLSB:
		ch.writeCount(uint16(v), c)
	case rwMSB:
		ch.writeCount(uint16(v)<<8, c)
	case rwLSBMSB:
		if !ch.wMSB {
			ch.wLSB, ch.wMSB = v, true
			return
		}
		ch.wMSB = false
		ch.writeCount(uint16(v)<<8|uint16(ch.wLSB), c)
	}
}

// PIT8254 is the Intel 8254 programmable interval timer of a PC, with the
// counter-2 gate and output of system control port B (0x61).
//
// All three counters implement modes 0-5, binary and BCD counting, LSB/MSB/
// LSB-then-MSB access, the counter latch command and the read-back command
// (count and status). Counters 0 and 1 have GATE tied high; counter 2's GATE
// is port 0x61 bit 0 and its OUT reads as bit 5 (the calibration-loop
// interface). Counter 0's OUT is IRQ0: at each rising edge IRQ is called
// with true and then false, a pulse that the edge-triggered PIC latches.
// Counter 1 (DRAM refresh) is modelled but drives nothing; port 0x61 bit 4
// toggles every 18 PIT cycles instead.
//
// Time: the PIT counts at PITHz. Its cycles are mapped onto the instruction
// clock by tickHz, the number of instruction-clock ticks per emulated
// second: PIT cycle k begins at tick ceil(k * tickHz / PITHz). With the
// default of 10⁹ ticks per second (one tick per nanosecond) a counter
// decrements about every 838 ticks; a guest that calibrates its TSC against
// the PIT measures tickHz times the TSC's ticks per clock tick.
//
// The VM inserts the PIT at PITBase (PITSize ports) and PortB() at PortBBase,
// wires IRQ to the PIC's line 0 and adds the PIT to its Timers. Wider
// accesses are split into byte accesses to consecutive ports. Use
// NewPIT8254; the zero value has no clock.
//
// Simplifications: a count is loaded into the counting element without the
// data sheet's one-cycle delay; in mode 3 a new count takes effect at the end
// of the period rather than of the half-period; the odd-count square wave's
// readings follow the data sheet but its edges are those of the period.
type PIT8254 struct {
	// IRQ receives counter 0's OUT as a pulse per rising edge; may be nil.
	IRQ func(level bool)

	clock  Clock
	tickHz uint64
	last   uint64 // latest tick seen
	ch     [3]pitChannel
	portB  byte // port 0x61 bits 3:0 as last written
}

// NewPIT8254 returns a PIT that reads time from clock, which runs at tickHz
// ticks per second (0 means DefaultTickHz). All counters start unprogrammed
// (mode 0, OUT low, not counting) and counter 2's GATE is low.
func NewPIT8254(clock Clock, tickHz uint64) *PIT8254 {
	if tickHz == 0 {
		tickHz = DefaultTickHz
	}
	p := &PIT8254{clock: clock, tickHz: tickHz}
	p.ch[0].gate, p.ch[1].gate = true, true
	for i := range p.ch {
		p.ch[i].ctrl = rwLSBMSB << 4
	}
	return p
}

// SeaBIOSState programs counter 0 as SeaBIOS leaves it under QEMU: mode 2,
// LSB then MSB, binary, count 0 (65536, IRQ0 at 18.2 Hz), counting from now.
func (p *PIT8254) SeaBIOSState() {
	p.advance(p.clock.Now())
	p.write(3, 0x34) // counter 0, LSB then MSB, mode 2, binary
	p.write(0, 0)
	p.write(0, 0)
}

// NextDeadline implements Timer: counter 0's next rising edge, when IRQ0
// pulses.
func (p *PIT8254) NextDeadline() (tick uint64, ok bool) {
	e, ok := p.ch[0].nextEdge()
	if !ok {
		return 0, false
	}
	return p.tickOfCycle(e), true
}

// Tick implements Timer.
func (p *PIT8254) Tick(now uint64) { p.advance(now) }

// Read implements Device for the ports at PITBase. Wider accesses are split
// into byte accesses to consecutive ports.
func (p *PIT8254) Read(off uint64, data []byte) {
	p.advance(p.clock.Now())
	c := p.cycle(p.last)
	for i := range data {
		data[i] = 0xFF // the control word port is write-only
		if o := off + uint64(i); o < 3 {
			data[i] = p.ch[o].readData(c)
		}
	}
}

// Write implements Device for the ports at PITBase.
func (p *PIT8254) Write(off uint64, data []byte) {
	p.advance(p.clock.Now())
	for i, v := range data {
		p.write(off+uint64(i), v)
	}
}

func (p *PIT8254) write(off uint64, v byte) {
	c := p.cycle(p.last)
	switch {
	case off < 3:
		p.ch[off].writeData(v, c)
	case off == 3 && v&pitSC == pitReadBack:
		for i := range p.ch {
			if v&(2<<i) == 0 {
				continue
			}
			ch := &p.ch[i]
			if v&rbNotStatus == 0 && !ch.statusLatched {
				ch.status = ch.ctrl
				if ch.out(c) {
					ch.status |= 0x80
				}
				if ch.nullCount {
					ch.status |= 0x40
				}
				ch.statusLatched = true
			}
			if v&rbNotCount == 0 {
				ch.latchCount(c)
			}
		}
	case off == 3 && v&pitRW == 0:
		p.ch[v>>6].latchCount(c)
	case off == 3:
		p.ch[v>>6].control(v)
	}
}

// PortB returns system control port B (0x61), for the bus at PortBBase.
// Bits 3:0 read back as written (bit 0 is counter 2's GATE; bit 1, speaker
// data, goes nowhere), bit 4 is the refresh toggle and bit 5 counter 2's OUT;
// bits 7:6 (parity and I/O channel check) read 0.
func (p *PIT8254) PortB() Device { return pitPortB{p} }

// pitPortB is port 0x61.
type pitPortB struct{ p *PIT8254 }

// Read implements Device.
func (pb pitPortB) Read(off uint64, data []byte) {
	p := pb.p
	p.advance(p.clock.Now())
	c := p.cycle(p.last)
	v := p.portB
	if c/refreshCycles%2 != 0 {
		v |= portBRefresh
	}
	if p.ch[2].out(c) {
		v |= portBOut2
	}
	for i := range data {
		data[i] = 0xFF
	}
	if len(data) > 0 {
		data[0] = v
	}
}

// Write implements Device. Only the low byte is used.
func (pb pitPortB) Write(off uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	p := pb.p
	p.advance(p.clock.Now())
	p.portB = data[0] & 0x0F
	p.ch[2].setGate(data[0]&portBGate2 != 0, p.cycle(p.last))
}

// advance brings all counters to time now and pulses IRQ0 if counter 0's
// OUT rose.
func (p *PIT8254) advance(now uint64) {
	if now < p.last {
		now = p.last
	}
	p.last = now
	c := p.cycle(now)
	for i := range p.ch {
		if p.ch[i].sync(c) && i == 0 && p.IRQ != nil {
			p.IRQ(true)
			p.IRQ(false)
		}
	}
}

// cycle converts a tick to the PIT cycle in progress: floor(t*PITHz/tickHz).
func (p *PIT8254) cycle(t uint64) uint64 {
	hi, lo := bits.Mul64(t, PITHz)
	if hi >= p.tickHz {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, p.tickHz)
	return q
}

// tickOfCycle is the first tick of PIT cycle c: ceil(c*tickHz/PITHz).
func (p *PIT8254) tickOfCycle(c uint64) uint64 {
	hi, lo := bits.Mul64(c, p.tickHz)
	if hi >= PITHz {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, PITHz)
	if r != 0 {
		q++
	}
	return q
}
