// Package x86 is govmm's software AMD64 CPU: the "silicon" that runs guest code.
//
// It decodes and executes instructions, walks page tables through a soft TLB,
// delivers exceptions and interrupts, and keeps the debug registers, MSRs and
// CPUID model. It knows nothing about L1/L2, devices or files: port I/O and MMIO
// go to a Platform the VM supplies, and physical RAM is a byte slice handed in
// by the VM.
//
// # Execution model
//
// Instructions are decoded once into an Inst, cached per physical page and
// invalidated when that page is written (self-modifying code works). Each Inst
// carries the handler chosen at decode time, so the hot loop does no
// allocation and no interface call per instruction.
//
// Faults abort the current instruction with a panic that carries no value
// allocation (faultPanic); the run loop recovers it once per batch, so the
// handlers can be written straight-line. Handlers therefore must perform every
// access that can fault before they commit architectural state (registers,
// RIP), which makes faults precise.
//
// References: AMD64 Architecture Programmer's Manual vols. 2 and 3.
package x86
