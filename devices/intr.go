package devices

// InterruptController is the CPU-facing side of an interrupt controller (the
// 8259 PIC pair, the local APIC). The VM drives the CPU's INTR line from
// Pending (or from the controller's INTR callback, which reports every change
// of Pending) and answers the CPU's interrupt acknowledge with Ack.
type InterruptController interface {
	// Pending reports whether an interrupt is waiting for the CPU.
	Pending() bool
	// Ack acknowledges the highest-priority pending interrupt and returns
	// its vector; ok is false when none is pending.
	Ack() (vector uint8, ok bool)
}

var (
	_ InterruptController = (*LAPIC)(nil)
	_ InterruptController = (*PIC8259)(nil)
)
