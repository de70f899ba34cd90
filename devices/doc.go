// Package devices holds the platform devices that govmm's guests see: a port-I/O
// and MMIO bus, the COM1 16550 UART, QEMU's isa-debug-exit device, the 8259A
// PIC pair, the 8254 PIT (with port 0x61), the local xAPIC and QEMU's fw_cfg.
//
// Devices know nothing about the CPU or SVM. They receive accesses with an offset
// relative to their base and talk to the outside world only through the io.Writer
// and callbacks they are given. Interrupt controllers offer the CPU side as
// InterruptController (Pending, Ack) plus an INTR callback on every change.
//
// Time, where a device needs it, comes from the instruction clock (Clock),
// never from the wall clock: timed devices read Clock.Now on register
// accesses, and implement Timer so the VM can run the CPU up to the next
// deadline, fast-forward a halted CPU to it, and Tick the devices there. See
// clock.go for the protocol.
//
// All devices are driven from the one goroutine that runs the CPU; none is
// safe for concurrent use. Callbacks run synchronously inside the access or
// Tick that caused them.
package devices
