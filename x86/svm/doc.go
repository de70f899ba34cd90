// Package svm describes AMD SVM's data formats: the Virtual Machine Control
// Block (VMCB) and the encodings that live in it. It is the vocabulary that the
// software CPU (package x86), the nested-SVM layer (package nsvm) and the
// tracing code share.
//
// The package contains no behaviour. It does not run guests, check VMCBs for
// consistency, route exits, merge intercepts or decide what is "soft": those
// are jobs for x86 (the silicon) and nsvm (the KVM-like L0). What it holds is:
//
//   - vmcb.go: the VMCB as Go structs whose field offsets are the APM's
//     ([Control] at 0x000–0x3FF, [Save] at 0x400, [VMCB] = 4 KiB), the VMCB
//     segment format [Segment], and the bits of the small control fields
//     (int_ctl, int_state, TLB_CONTROL, misc controls, clean bits), plus the
//     CPUID 8000_000Ah feature bits and the SVM MSRs;
//   - exitcode.go: [ExitCode] with every EXITCODE value and its APM spelling,
//     and the EXITINFO1/EXITINFO2 layouts needed to route exits;
//   - intercept.go: [Intercept], an index into the 6×32-bit intercept vector,
//     equal to the exit code of the intercept for every bit that has one;
//   - event.go: [Event], the common format of EVENTINJ and EXITINTINFO;
//   - marshal.go: moving a VMCB to and from a 4 KiB little-endian page (such
//     as vmcb12 in L1's memory) field by field at the APM offsets, without
//     allocating.
//
// # Sources
//
// Layouts and values follow the AMD64 Architecture Programmer's Manual,
// volume 2: chapter 15 (Secure Virtual Machine) — VMRUN and #VMEXIT, state
// saved on exit and NRIP (§15.7), the intercept sections, TLB control, event
// injection (§15.20), interrupt and local APIC support, nested paging
// (§15.25), AVIC and the SVM MSRs — and appendix B (layout of the VMCB) and
// appendix C (SVM intercept exit codes). Section numbers drift between APM
// revisions; the section titles are the stable reference. Each field and constant names the matching Linux KVM
// identifier (arch/x86/include/asm/svm.h and uapi/asm/svm.h) in its comment so
// a reviewer can compare with KVM; no KVM code is copied. Values whose only
// source is memory of the APM are marked "[APM?]" in their comment.
//
// # Naming
//
// Identifiers are Go-style CamelCase built from the APM name (EXITCODE →
// ExitCode, VMEXIT_SWINT → [ExitSWINT], V_IRQ in int_ctl → [IntCtlVIRQ]). The
// APM name appears verbatim in each comment and in the String methods used by
// traces ("VMEXIT_NPF", "VMEXIT_EXCP14").
//
// # Invariants
//
//   - unsafe.Sizeof(Control{}) == 0x400, unsafe.Sizeof(Save{}) == 0x2E8,
//     unsafe.Sizeof(VMCB{}) == 0x1000, and every field sits at its APM offset
//     (pinned by vmcb_test.go). The structs therefore have the same layout as
//     the little-endian bytes on an amd64 host, but the package never relies
//     on that: marshalling is explicit.
//   - For every intercept bit that has an exit code, Intercept(i) ==
//     ExitCode(i) (KVM relies on the same identity to test vmcb12's
//     intercepts by exit code).
//   - Reserved bytes are blank (_) fields: Store and Load never touch them, so
//     a VMCB written back into guest memory preserves whatever the guest keeps
//     there, and MarshalBinary emits zeros for them.
package svm
