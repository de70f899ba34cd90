package devices

import (
	"encoding/binary"
	"math/bits"
)

// LAPICBase is the physical address of the local APIC's registers, as the
// APIC_BASE MSR holds it after reset; LAPICSize is the size of the window.
const (
	LAPICBase = 0xFEE00000
	LAPICSize = 0x1000
)

// Local APIC register offsets (Intel SDM vol. 3A, "Local APIC Register Address
// Map"; AMD APM vol. 2, §16.3). Every register is a dword at a 16-byte
// aligned offset.
const (
	apicID     = 0x020 // local APIC ID, bits 31:24
	apicVER    = 0x030 // version: max LVT entry, version
	apicTPR    = 0x080 // task priority
	apicAPR    = 0x090 // arbitration priority (read-only)
	apicPPR    = 0x0A0 // processor priority (read-only)
	apicEOI    = 0x0B0 // end of interrupt (write-only)
	apicRRD    = 0x0C0 // remote read (read-only, always 0 here)
	apicLDR    = 0x0D0 // logical destination, bits 31:24
	apicDFR    = 0x0E0 // destination format, bits 31:28
	apicSPIV   = 0x0F0 // spurious interrupt vector; bit 8 is APIC software enable
	apicISR    = 0x100 // in-service, 8 registers 0x100-0x170
	apicTMR    = 0x180 // trigger mode, 8 registers 0x180-0x1F0
	apicIRR    = 0x200 // interrupt request, 8 registers 0x200-0x270
	apicESR    = 0x280 // error status
	apicICRLO  = 0x300 // interrupt command, bits 31:0 (writing it sends the IPI)
	apicICRHI  = 0x310 // interrupt command, bits 63:32 (destination)
	apicLVTT   = 0x320 // LVT timer
	apicLVTTHR = 0x330 // LVT thermal sensor
	apicLVTPC  = 0x340 // LVT performance monitoring counters
	apicLVT0   = 0x350 // LVT LINT0
	apicLVT1   = 0x360 // LVT LINT1
	apicLVTERR = 0x370 // LVT error
	apicTMICT  = 0x380 // timer initial count
	apicTMCCT  = 0x390 // timer current count (read-only)
	apicTDCR   = 0x3E0 // timer divide configuration
)

// apicVersion is the version register: max LVT entry 5 (timer, thermal,
// perfmon, LINT0, LINT1, error), version 0x14 (integrated xAPIC), no
// EOI-broadcast suppression.
const apicVersion = 5<<16 | 0x14

// LVT, SPIV, ICR and ESR bits.
const (
	lvtMasked   = 1 << 16
	lvtPeriodic = 1 << 17 // LVT timer mode: 0 one-shot, 1 periodic

	lvtDeliveryMode = 7 << 8
	dmFixed         = 0 << 8
	dmLowest        = 1 << 8
	dmSMI           = 2 << 8
	dmNMI           = 4 << 8
	dmINIT          = 5 << 8
	dmSIPI          = 6 << 8
	dmExtINT        = 7 << 8

	spivEnable = 1 << 8 // APIC software enable

	icrLogical   = 1 << 11 // destination mode: 0 physical, 1 logical
	icrShorthand = 3 << 18
	shNone       = 0 << 18
	shSelf       = 1 << 18
	shAllIncl    = 2 << 18
	shAllExcl    = 3 << 18

	esrSendIllegal = 1 << 5 // send illegal vector
	esrRecvIllegal = 1 << 6 // receive illegal vector
)

// LVT entries in register order; index = (offset-0x320)/16.
const (
	lvtTimer = iota
	lvtThermal
	lvtPerfmon
	lvtLINT0
	lvtLINT1
	lvtError
	numLVT
)

// lvtWritable holds the writable bits of each LVT entry. Delivery status
// (bit 12) and remote IRR (bit 14) are read-only and always read 0: delivery
// is instantaneous and nothing level-triggered reaches LINT0/LINT1. The timer
// has no TSC-deadline mode (bit 18), as CPUID does not advertise it.
var lvtWritable = [numLVT]uint32{
	lvtTimer:   0x000300FF, // vector, mask, periodic
	lvtThermal: 0x000107FF, // vector, delivery mode, mask
	lvtPerfmon: 0x000107FF,
	lvtLINT0:   0x0001A7FF, // vector, delivery mode, polarity, trigger mode, mask
	lvtLINT1:   0x0001A7FF,
	lvtError:   0x000100FF, // vector, mask
}

// LAPIC is the local xAPIC of govmm's single CPU, memory-mapped at LAPICBase
// (the VM inserts it on the MMIO bus at LAPICBase with LAPICSize). Use
// NewLAPIC; the zero value has no clock.
//
// Interrupts: sources call SetIRQ (edge-triggered, fixed delivery); the APIC
// timer, self-IPIs and the error LVT feed the same IRR. Pending reports
// whether the highest-priority requested vector is above the processor
// priority (PPR); INTR is called whenever that changes, so the VM can drive
// the CPU's interrupt line from it. When the CPU takes the interrupt it calls
// Ack (IRR→ISR); the guest's write to EOI retires the highest in-service
// vector.
//
// IPIs: only one CPU exists. Fixed and lowest-priority IPIs reach this APIC
// when the shorthand is self or all-including-self, or the destination is its
// own ID, the broadcast ID 0xFF, or matches its logical destination (flat or
// cluster model). An NMI so addressed calls NMI. INIT, SIPI, SMI, ExtINT and
// everything addressed to other CPUs are accepted and ignored. Delivery is
// instantaneous, so the delivery-status bit always reads 0.
//
// Timer: the APIC bus clock is the instruction clock: with divide-by-1 the
// count drops by one per tick. One-shot and periodic modes are modelled;
// changing the mode or the mask leaves a running count alone, as on hardware.
//
// Access sizes: registers are dwords. A read of any size returns the bytes of
// the registers it covers (bytes 4-15 of each 16-byte slot read 0); a write
// that is not a 4-byte write at a register's offset is ignored.
//
// Not modelled: the APIC_BASE MSR (relocation, hardware disable; the CPU
// holds the MSR), x2APIC, TSC-deadline mode, level-triggered sources and the
// EOI broadcast they need, the illegal-register-address error, focus
// processor checking, and a minimum timer period (KVM enforces one; here a
// periodic TMICT of 1 makes the VM stop at every tick).
type LAPIC struct {
	// INTR is called with the new value of Pending whenever it changes; may
	// be nil.
	INTR func(level bool)
	// NMI is called for every NMI an IPI delivers to this CPU; may be nil.
	NMI func()

	clock Clock
	last  uint64 // latest clock value seen; device time never goes back

	id, tpr, ldr, dfr, spiv uint32
	isr, tmr, irr           [8]uint32 // 256 vectors each, vector v is bit v%32 of word v/32
	esr                     uint32    // ESR as last latched by a write to it
	esrPending              uint32    // errors seen since that write
	icrLo, icrHi            uint32
	lvt                     [numLVT]uint32
	tmict, tdcr             uint32

	timerOn  bool   // the current count is non-zero and counting down
	deadline uint64 // tick at which the current count reaches 0; valid while timerOn

	intr bool // last level passed to INTR
}

// NewLAPIC returns a local APIC in its power-on state, reading time from
// clock.
func NewLAPIC(clock Clock) *LAPIC {
	l := &LAPIC{clock: clock}
	l.Reset()
	return l
}

// Reset puts the APIC in its power-on state (SDM "Local APIC State After
// Power-Up or Reset"): ID 0, SPIV 0xFF (software-disabled), DFR all
// ones, all LVT entries masked, the timer stopped, IRR/ISR/TMR clear.
// Callbacks and the clock are kept.
func (l *LAPIC) Reset() {
	*l = LAPIC{INTR: l.INTR, NMI: l.NMI, clock: l.clock, last: l.last, intr: l.intr}
	l.dfr = 0xFFFFFFFF
	l.spiv = 0xFF
	for i := range l.lvt {
		l.lvt[i] = lvtMasked
	}
	l.update()
}

// SeaBIOSState leaves the APIC as SeaBIOS hands it to a kernel under QEMU:
// software-enabled with spurious vector 0xFF, LINT0 in ExtINT mode (virtual
// wire to the 8259 PIC) and LINT1 in NMI mode, both unmasked.
func (l *LAPIC) SeaBIOSState() {
	l.spiv = 0xFF | spivEnable
	l.lvt[lvtLINT0] = 0x8700
	l.lvt[lvtLINT1] = 0x8400
}

// PassesPIC reports whether LINT0 is unmasked in ExtINT mode, i.e. whether
// the 8259 PIC's INTR output reaches the CPU through this APIC (virtual-wire
// mode). The VM uses it to gate the PIC's line; it also passes the PIC
// through when the APIC is hardware-disabled in the APIC_BASE MSR.
func (l *LAPIC) PassesPIC() bool {
	v := l.lvt[lvtLINT0]
	return v&lvtMasked == 0 && v&lvtDeliveryMode == dmExtINT
}

// SetIRQ requests vector as an edge-triggered fixed interrupt, the way an
// interrupt message from an I/O APIC or MSI arrives. A software-disabled APIC
// discards it; vectors 0-15 are illegal and set ESR bit 6 instead.
func (l *LAPIC) SetIRQ(vector uint8) {
	l.accept(vector)
}

// Pending reports whether an interrupt is deliverable to the CPU: the
// highest vector in IRR has a higher priority class than PPR.
func (l *LAPIC) Pending() bool {
	v, ok := highestVector(&l.irr)
	return ok && uint32(v)>>4 > l.ppr()>>4
}

// Ack is the CPU taking the interrupt Pending announced: the highest vector
// moves from IRR to ISR and is returned. ok is false when nothing is
// deliverable (hardware would then supply the spurious vector).
func (l *LAPIC) Ack() (vector uint8, ok bool) {
	if !l.Pending() {
		return 0, false
	}
	v, _ := highestVector(&l.irr)
	clearVector(&l.irr, v)
	setVector(&l.isr, v)
	l.update()
	return v, true
}

// NextDeadline implements Timer: the expiry of an unmasked, running APIC
// timer.
func (l *LAPIC) NextDeadline() (tick uint64, ok bool) {
	if l.timerOn && l.lvt[lvtTimer]&lvtMasked == 0 {
		return l.deadline, true
	}
	return 0, false
}

// Tick implements Timer.
func (l *LAPIC) Tick(now uint64) { l.advance(now) }

// Read implements Device.
func (l *LAPIC) Read(off uint64, data []byte) {
	l.advance(l.clock.Now())
	cached, val := ^uint64(0), uint32(0)
	for i := range data {
		a := off + uint64(i)
		if a&0xF >= 4 {
			data[i] = 0
			continue
		}
		if reg := a &^ 0xF; reg != cached {
			cached, val = reg, l.readReg(reg)
		}
		data[i] = byte(val >> (8 * (a & 3)))
	}
}

// Write implements Device. Only 4-byte writes at a register's offset have an
// effect.
func (l *LAPIC) Write(off uint64, data []byte) {
	if len(data) != 4 || off&0xF != 0 {
		return
	}
	l.advance(l.clock.Now())
	l.writeReg(off, binary.LittleEndian.Uint32(data))
}

func (l *LAPIC) readReg(off uint64) uint32 {
	switch {
	case off >= apicISR && off < apicISR+0x80:
		return l.isr[(off-apicISR)/16]
	case off >= apicTMR && off < apicTMR+0x80:
		return l.tmr[(off-apicTMR)/16]
	case off >= apicIRR && off < apicIRR+0x80:
		return l.irr[(off-apicIRR)/16]
	case off >= apicLVTT && off <= apicLVTERR:
		return l.lvt[(off-apicLVTT)/16]
	}
	switch off {
	case apicID:
		return l.id
	case apicVER:
		return apicVersion
	case apicTPR:
		return l.tpr
	case apicAPR:
		return l.apr()
	case apicPPR:
		return l.ppr()
	case apicLDR:
		return l.ldr
	case apicDFR:
		return l.dfr
	case apicSPIV:
		return l.spiv
	case apicESR:
		return l.esr
	case apicICRLO:
		return l.icrLo
	case apicICRHI:
		return l.icrHi
	case apicTMICT:
		return l.tmict
	case apicTMCCT:
		return l.currentCount(l.last)
	case apicTDCR:
		return l.tdcr
	}
	return 0 // EOI and RRD read 0, as do reserved offsets
}

func (l *LAPIC) writeReg(off uint64, v uint32) {
	if off >= apicLVTT && off <= apicLVTERR {
		i := (off - apicLVTT) / 16
		v &= lvtWritable[i]
		if !l.enabled() {
			v |= lvtMasked // a software-disabled APIC keeps every LVT masked
		}
		l.lvt[i] = v
		return
	}
	switch off {
	case apicID:
		l.id = v & 0xFF000000
	case apicTPR:
		l.tpr = v & 0xFF
		l.update()
	case apicEOI:
		l.eoi()
	case apicLDR:
		l.ldr = v & 0xFF000000
	case apicDFR:
		l.dfr = v | 0x0FFFFFFF
	case apicSPIV:
		l.spiv = v & 0x3FF // vector, software enable, focus check
		if !l.enabled() {
			for i := range l.lvt {
				l.lvt[i] |= lvtMasked
			}
		}
	case apicESR:
		// A write latches the errors seen since the previous write and
		// starts collecting afresh (SDM "Error Handling").
		l.esr, l.esrPending = l.esrPending, 0
	case apicICRLO:
		l.icrLo = v & 0x000CCFFF // delivery status (bit 12) stays 0
		l.sendIPI()
	case apicICRHI:
		l.icrHi = v & 0xFF000000
	case apicTMICT:
		l.tmict = v
		l.timerOn = v != 0
		l.deadline = l.last + uint64(v)*l.divisor()
	case apicTDCR:
		// The running count carries on at the new rate.
		cc := l.currentCount(l.last)
		l.tdcr = v & 0xB
		l.deadline = l.last + uint64(cc)*l.divisor()
	}
	// VER, APR, PPR, RRD, ISR, TMR, IRR and TMCCT are read-only.
}

// enabled reports the APIC software-enable bit.
func (l *LAPIC) enabled() bool { return l.spiv&spivEnable != 0 }

// divisor decodes TDCR bits 3, 1:0 (SDM "Divide Configuration Register"):
// 000 → 2, 001 → 4, …, 110 → 128, 111 → 1.
func (l *LAPIC) divisor() uint64 {
	n := l.tdcr&3 | (l.tdcr>>1)&4
	if n == 7 {
		return 1
	}
	return 2 << n
}

// currentCount is TMCCT at time now (now ≥ l.last's expiries processed): the
// count drops by one every divisor ticks and reaches 0 at the deadline.
func (l *LAPIC) currentCount(now uint64) uint32 {
	if !l.timerOn || now >= l.deadline {
		return 0
	}
	d := l.divisor()
	return uint32((l.deadline - now + d - 1) / d)
}

// advance brings the timer to time now, firing an expiry that fell due.
func (l *LAPIC) advance(now uint64) {
	if now < l.last {
		now = l.last
	}
	l.last = now
	if !l.timerOn || now < l.deadline {
		return
	}
	if l.lvt[lvtTimer]&lvtPeriodic != 0 {
		// Reload from TMICT; expiries that were all missed collapse into
		// one interrupt, as they would in IRR.
		period := uint64(l.tmict) * l.divisor()
		l.deadline += ((now-l.deadline)/period + 1) * period
	} else {
		l.timerOn = false
	}
	if t := l.lvt[lvtTimer]; t&lvtMasked == 0 {
		l.accept(uint8(t))
	}
}

// accept is fixed delivery of vector to this APIC.
func (l *LAPIC) accept(vector uint8) {
	if vector < 16 {
		l.error(esrRecvIllegal)
		return
	}
	if !l.enabled() {
		return // a software-disabled APIC discards fixed interrupts
	}
	setVector(&l.irr, vector)
	clearVector(&l.tmr, vector) // edge-triggered
	l.update()
}

// error records an ESR error and raises the error LVT.
func (l *LAPIC) error(bit uint32) {
	l.esrPending |= bit
	if e := l.lvt[lvtError]; e&lvtMasked == 0 && uint8(e) >= 16 {
		l.accept(uint8(e))
	}
}

// eoi retires the highest-priority in-service interrupt.
func (l *LAPIC) eoi() {
	if v, ok := highestVector(&l.isr); ok {
		clearVector(&l.isr, v)
		l.update()
	}
}

// ppr is the processor priority: TPR, or the class of the highest
// in-service vector when that is higher (SDM "Processor Priority Register").
func (l *LAPIC) ppr() uint32 {
	isrv, _ := highestVector(&l.isr)
	if l.tpr>>4 >= uint32(isrv)>>4 {
		return l.tpr
	}
	return uint32(isrv) & 0xF0
}

// apr is the arbitration priority: TPR, or the class of the highest vector
// requested or in service when that is higher (APM §16.6.3).
func (l *LAPIC) apr() uint32 {
	irrv, _ := highestVector(&l.irr)
	isrv, _ := highestVector(&l.isr)
	m := uint32(max(irrv, isrv))
	if l.tpr>>4 >= m>>4 {
		return l.tpr
	}
	return m & 0xF0
}

// sendIPI carries out the command just written to ICR low.
func (l *LAPIC) sendIPI() {
	var self bool
	switch l.icrLo & icrShorthand {
	case shNone:
		self = l.matchDest(uint8(l.icrHi>>24), l.icrLo&icrLogical != 0)
	case shSelf, shAllIncl:
		self = true
	case shAllExcl:
		self = false // there is no other CPU
	}
	vector := uint8(l.icrLo)
	switch l.icrLo & lvtDeliveryMode {
	case dmFixed, dmLowest:
		if vector < 16 {
			l.error(esrSendIllegal)
			return
		}
		if self {
			l.accept(vector)
		}
	case dmNMI:
		if self && l.NMI != nil {
			l.NMI()
		}
	case dmSMI, dmINIT, dmSIPI, dmExtINT:
		// Accepted and ignored: there is no SMM and no other CPU to start,
		// and INIT to this CPU is not modelled.
	}
	// The reserved delivery mode 011 is ignored as well.
}

// matchDest reports whether destination dest selects this APIC.
func (l *LAPIC) matchDest(dest uint8, logical bool) bool {
	if dest == 0xFF {
		return true // broadcast, in both modes
	}
	if !logical {
		return dest == uint8(l.id>>24)
	}
	ldr := uint8(l.ldr >> 24)
	switch l.dfr >> 28 {
	case 0xF: // flat model: one bit per APIC
		return dest&ldr != 0
	case 0x0: // cluster model: cluster in bits 7:4, member bits in 3:0
		return dest>>4 == ldr>>4 && dest&ldr&0xF != 0
	}
	return false
}

// update calls INTR when Pending has changed.
func (l *LAPIC) update() {
	if p := l.Pending(); p != l.intr {
		l.intr = p
		if l.INTR != nil {
			l.INTR(p)
		}
	}
}

// highestVector returns the highest vector set in a 256-bit register.
func highestVector(r *[8]uint32) (uint8, bool) {
	for i := 7; i >= 0; i-- {
		if r[i] != 0 {
			return uint8(i*32 + bits.Len32(r[i]) - 1), true
		}
	}
	return 0, false
}

func setVector(r *[8]uint32, v uint8)   { r[v/32] |= 1 << (v % 32) }
func clearVector(r *[8]uint32, v uint8) { r[v/32] &^= 1 << (v % 32) }
