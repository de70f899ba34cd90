package x86

import (
	"github.com/govmm/govmm/x86/paging"
	"github.com/govmm/govmm/x86/svm"
)

// Nested paging (APM 15.25): with NP_ENABLE, every guest-physical address —
// the guest's page-table entries and the final address of each access — is
// translated through the nested page tables at nCR3, in the host's 4-level
// long-mode format. A failed nested walk exits with VMEXIT_NPF: EXITINFO1
// is a #PF-style error code (the nested access counts as a user access)
// with bit 32 for the final address or bit 33 for a guest page-table access,
// EXITINFO2 the guest-physical address.

// npActive reports whether the running VMCB uses nested paging.
func (c *CPU) npActive() bool {
	return c.guest.vmcb != nil && c.npEnabled
}

// nestedTranslate maps guest-physical gpa to host-physical, exiting with
// NPF on failure. pt marks accesses to the guest's own page tables.
func (c *CPU) nestedTranslate(gpa uint64, write, fetch, pt bool) uint64 {
	a := paging.User
	if write {
		a |= paging.Write
	}
	if fetch {
		a |= paging.Fetch
	}
	mode := paging.Mode{Format: paging.Long4, WP: true, NXE: true}
	r := paging.Walk(c, mode, c.guest.vmcb.NCR3, gpa, a, MaxPhysAddr)
	if r.Fault {
		info := uint64(r.ErrCode)
		if pt {
			info |= svm.NPFPageTable
		} else {
			info |= svm.NPFFinalAddr
		}
		c.exit = svmExit{code: svm.ExitNPF, info1: info, info2: gpa}
		c.fillInsnBytes()
		panic(vmexitPanic{})
	}
	return r.PA
}

// npMem presents guest-physical memory to the guest's page walk: each
// page-table access goes through the nested tables.
type npMem struct{ c *CPU }

func (m npMem) ReadPT(gpa uint64, size int) uint64 {
	return m.c.physRead(m.c.nestedTranslate(gpa, false, false, true), uint8(size))
}

func (m npMem) WritePT(gpa uint64, size int, v uint64) {
	m.c.physWrite(m.c.nestedTranslate(gpa, true, false, true), uint8(size), v)
}
