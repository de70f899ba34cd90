package x86

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86/svm"
)

const nptBase = 0x80000 // PML4, PDPT, PD, PT at +0, +0x1000, +0x2000, +0x3000

// withNPT builds nested tables identity-mapping the first 2 MiB with 4K
// pages (user, writable) and enables NP in v. remap maps gpa → hpa; a zero
// hpa unmaps the page.
func withNPT(c *CPU, v *svm.VMCB, remap map[uint64]uint64) {
	le := binary.LittleEndian
	le.PutUint64(c.RAM[nptBase:], nptBase+0x1000|pteP|pteRW|pteUS)
	le.PutUint64(c.RAM[nptBase+0x1000:], nptBase+0x2000|pteP|pteRW|pteUS)
	le.PutUint64(c.RAM[nptBase+0x2000:], nptBase+0x3000|pteP|pteRW|pteUS)
	for i := uint64(0); i < 512; i++ {
		gpa := i << 12
		hpa := gpa
		if h, ok := remap[gpa]; ok {
			hpa = h
		}
		e := hpa | pteP | pteRW | pteUS
		if hpa == 0 && gpa != 0 {
			e = 0
		}
		le.PutUint64(c.RAM[nptBase+0x3000+8*i:], e)
	}
	v.MiscCtl |= svm.MiscCtlNPEnable
	v.NCR3 = nptBase
}

func TestNestedPaging(t *testing.T) {
	t.Run("remapped data page", func(t *testing.T) {
		// mov eax, [0x5000]; hlt — GPA 0x5000 is backed by HPA 0x7000.
		c, v := newSVM(t, []byte{0xa1, 0x00, 0x50, 0x00, 0x00, 0xf4})
		c.SetSVMFeatures(SVMFeaturesQEMUMax)
		withNPT(c, v, map[uint64]uint64{0x5000: 0x7000})
		binary.LittleEndian.PutUint32(c.RAM[0x7000:], 0xfeedbeef)
		run(t, c, v)
		if v.ExitCode != svm.ExitHLT || uint32(v.Save.RAX) != 0xfeedbeef {
			t.Fatalf("exit %v rax %#x, want HLT with the remapped value", v.ExitCode, v.Save.RAX)
		}
	})
	t.Run("NPF on the final address", func(t *testing.T) {
		// mov [0x6000], eax — GPA 0x6000 unmapped: a user write NPF.
		c, v := newSVM(t, []byte{0xa3, 0x00, 0x60, 0x00, 0x00})
		c.SetSVMFeatures(SVMFeaturesQEMUMax)
		withNPT(c, v, map[uint64]uint64{0x6000: 0})
		run(t, c, v)
		want := uint64(svm.NPFFinalAddr | pfW | pfU)
		if v.ExitCode != svm.ExitNPF || v.ExitInfo1 != want || v.ExitInfo2 != 0x6000 || v.Save.RIP != testCode {
			t.Fatalf("exit %v info1 %#x info2 %#x rip %#x; want NPF %#x 0x6000 at the store", v.ExitCode, v.ExitInfo1, v.ExitInfo2, v.Save.RIP, want)
		}
	})
	t.Run("NPF on a guest page-table access", func(t *testing.T) {
		c, v := newSVM(t, []byte{0xa1, 0x00, 0x00, 0x40, 0x00})
		c.SetSVMFeatures(SVMFeaturesQEMUMax)
		pagingOn(c) // guest PD at 0x9000, PT at 0x10000
		v.Save.CR0, v.Save.CR3 = c.CR0, c.CR3
		withNPT(c, v, map[uint64]uint64{0x9000: 0})
		run(t, c, v)
		if v.ExitCode != svm.ExitNPF || v.ExitInfo1&svm.NPFPageTable == 0 || v.ExitInfo2 != 0x9000 {
			t.Fatalf("exit %v info1 %#x info2 %#x; want NPF on the guest PD at 0x9000", v.ExitCode, v.ExitInfo1, v.ExitInfo2)
		}
	})
	t.Run("NPF while vectoring INT3", func(t *testing.T) {
		c, v := newSVM(t, []byte{0xcc})
		c.SetSVMFeatures(SVMFeaturesQEMUMax | svm.FeatureNRIPS)
		withNPT(c, v, map[uint64]uint64{testIDT: 0})
		v.NRIP = 0x1234
		run(t, c, v)
		if v.ExitCode != svm.ExitNPF || v.ExitInfo2 != testIDT+8*VecBP || v.ExitIntInfo != 0x80000303 || v.NRIP != 0 {
			t.Fatalf("exit %v info2 %#x exitintinfo %v nrip %#x; want NPF on the IDT with #BP in EXITINTINFO and NRIP 0",
				v.ExitCode, v.ExitInfo2, v.ExitIntInfo, v.NRIP)
		}
	})
	t.Run("nCR3 beyond MAXPHYADDR is invalid", func(t *testing.T) {
		c, v := newSVM(t, []byte{0x90})
		c.SetSVMFeatures(SVMFeaturesQEMUMax)
		withNPT(c, v, nil)
		v.NCR3 = 1 << MaxPhysAddr
		c.VMRun(v, 10)
		if v.ExitCode != svm.ExitInvalid {
			t.Fatalf("exit %v", v.ExitCode)
		}
	})
}
