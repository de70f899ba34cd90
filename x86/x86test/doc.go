// Package x86test tests package x86 (govmm's software AMD64 CPU) from the
// outside, through its exported API only.
//
// It holds:
//
//   - decoder length tests: a hand-written table whose expected lengths come
//     from the AMD APM (TestDecodeLenTable, itself checked against GNU
//     objdump), and a differential test against the length vectors in
//     golang.org/x/arch/x86/x86asm's testdata/decode.txt
//     (TestDecodeLenVsX86asm);
//   - fuzz targets for the decoder (FuzzDecode) and for the run loop
//     (FuzzRun, on test machines in real, protected, paged, long,
//     compatibility, user and virtual-8086 mode), and a fixed-seed
//     random-program test for CI (TestRunRandomCode);
//   - reproducers of known, unfixed bugs, skipped unless -x86test.knownbugs
//     is given (TestKnownRunBugs);
//   - decoder benchmarks.
//
// Oracles and their known quirks: x86asm follows Intel where AMD differs,
// e.g. 66-prefixed near branches in 64-bit mode take a rel16 on AMD (APM
// vol. 1, table 3-9) but a rel32 on Intel, and it reads a displacement for
// MOV CRn/DRn with ModRM.mod != 11. GNU objdump, run in its default AMD64
// mode, is a second opinion when it is installed. The APM wins every
// disagreement.
//
// The x86asm package itself is only imported by x86asm_oracle_test.go,
// built with the "x86asm" tag, because govmm's go.mod does not require
// golang.org/x/arch; decode.txt is read straight from the module cache.
package x86test
