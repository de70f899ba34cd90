// Package devices holds the platform devices that govmm's guests see: a port-I/O
// and MMIO bus, the COM1 16550 UART, and QEMU's isa-debug-exit device.
//
// Devices know nothing about the CPU or SVM. They receive accesses with an offset
// relative to their base and talk to the outside world only through the io.Writer
// and callbacks they are given. Time, where a device needs it, comes from the
// instruction clock, never from the wall clock.
package devices
