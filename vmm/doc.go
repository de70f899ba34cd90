// Package vmm is the virtual machine: guest memory, the Multiboot v1 loader,
// the devices on the I/O bus and the run loop around the CPU.
//
// It knows no instruction encodings (that is package x86) and nothing about
// SVM (package nsvm). A VM boots a Multiboot kernel exactly as
// `qemu-system-x86_64 -machine q35 -kernel` does, so that test kernels built
// for QEMU run unchanged.
package vmm
