package x86

// Exception vectors.
const (
	VecDE  = 0  // divide error
	VecDB  = 1  // debug
	VecNMI = 2  // non-maskable interrupt
	VecBP  = 3  // breakpoint (INT3)
	VecOF  = 4  // overflow (INTO)
	VecBR  = 5  // bound range
	VecUD  = 6  // invalid opcode
	VecNM  = 7  // device not available
	VecDF  = 8  // double fault
	VecTS  = 10 // invalid TSS
	VecNP  = 11 // segment not present
	VecSS  = 12 // stack fault
	VecGP  = 13 // general protection
	VecPF  = 14 // page fault
	VecMF  = 16 // x87 floating-point
	VecAC  = 17 // alignment check
	VecMC  = 18 // machine check
	VecXM  = 19 // SIMD floating-point
)

// EventKind says how an event came to be delivered; it decides privilege
// checks on the gate, the pushed return address and EXITINTINFO's type.
type EventKind uint8

// Event kinds (the EVENTINJ/EXITINTINFO types, where they exist).
const (
	EventExtInt    EventKind = 0 // external interrupt (INTR)
	EventNMI       EventKind = 2 // NMI
	EventException EventKind = 3 // fault or trap, including #BP/#OF from INT3/INTO
	EventSoftInt   EventKind = 4 // INT n
)

// Event is an interrupt or exception being delivered.
type Event struct {
	Vector   uint8
	Kind     EventKind
	HasError bool
	Error    uint32
	// Soft is set for events raised by an instruction (INT n, INT3, INTO,
	// ICEBP): the gate DPL is checked against CPL and the pushed RIP is the
	// next instruction's.
	Soft bool

	injected bool   // delivered by VMRUN from EVENTINJ
	setCR2   bool   // #PF: write cr2 into CR2 when delivered
	cr2      uint64 // #PF: the faulting linear address
}

// faultInfo is the exception an aborted instruction raised.
type faultInfo struct {
	vector uint8
	hasErr bool
	err    uint32
	setCR2 bool
	cr2    uint64
	soft   bool      // raised by an instruction as a trap (INT n, INT3, INTO): push the next RIP
	kind   EventKind // for soft events
	icebp  bool      // the soft event is ICEBP (INT1)
	// fromInsn marks #BP/#OF/#BR raised by INT3/INTO/BOUND themselves:
	// their exception intercepts report NRIP.
	fromInsn bool
}

// faultPanic unwinds a faulting instruction to the run loop. It carries no
// data (the fault is in CPU.fault), so panicking does not allocate.
type faultPanic struct{}

// hasErrorCode reports whether exception vector v pushes an error code.
func hasErrorCode(v uint8) bool {
	switch v {
	case VecDF, VecTS, VecNP, VecSS, VecGP, VecPF, VecAC:
		return true
	}
	return false
}

// raise aborts the current instruction with exception vec. err is used only
// for vectors that push an error code.
func (c *CPU) raise(vec uint8, err uint32) {
	c.fault.vector = vec
	c.fault.hasErr = hasErrorCode(vec)
	c.fault.err = err
	c.fault.soft = false
	c.fault.fromInsn = false
	c.fault.icebp = false
	if vec != VecPF {
		c.fault.setCR2 = false
	}
	panic(faultPanic{})
}

// raiseSoft ends the current instruction by raising a software event (INT n,
// INT3, INTO, ICEBP): it is delivered as a trap, with the next instruction's
// RIP pushed, after the instruction completes.
func (c *CPU) raiseSoft(vec uint8, kind EventKind) {
	c.fault = faultInfo{vector: vec, soft: true, kind: kind, fromInsn: kind == EventException}
	panic(faultPanic{})
}

// raiseGP raises #GP with the given error code.
func (c *CPU) raiseGP(err uint32) { c.raise(VecGP, err) }

// raiseUD raises #UD.
func (c *CPU) raiseUD() { c.raise(VecUD, 0) }

func execUD(c *CPU, in *Inst) { c.raiseUD() }

// isUD reports whether a handler is the decode-time #UD handler.
func isUD(f func(*CPU, *Inst)) bool {
	return f == nil || funcID(f) == funcID(execUD)
}

// exceptionClass is used for the double-fault rules (AMD APM vol. 2, 8.2.9).
func exceptionClass(v uint8) int {
	switch v {
	case VecDE, VecTS, VecNP, VecSS, VecGP:
		return 1 // contributory
	case VecPF:
		return 2 // page fault
	case VecDF:
		return 3
	}
	return 0 // benign
}
