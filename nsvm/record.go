package nsvm

import (
	"fmt"
	"strings"

	"github.com/govmm/govmm/x86/svm"
)

// Action is what L0 did with an exit.
type Action uint8

// Actions, for traces.
const (
	ActionHandled    Action = iota // emulated or absorbed by L0
	ActionShadowFill               // a shadow page-table entry was created
	ActionInjected                 // an exception was queued for the guest
	ActionReinjected               // the interrupted event is being re-delivered
	ActionStop                     // the VM stops
	ActionReflected                // L2's exit became a nested #VMEXIT to L1
)

var actionNames = [...]string{"handled", "shadow-fill", "inject", "reinject", "stop", "reflected to L1"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", a)
}

// Record describes one world switch (#VMEXIT of L1 and what L0 did).
type Record struct {
	Seq         uint64 // world-switch number
	Start       uint64 // instruction clock when the VMRUN that exited began
	Insns       uint64 // instruction clock at the exit
	Level       int    // the level that exited: 1 for L1, 2 for L2
	Code        svm.ExitCode
	Info1       uint64
	Info2       uint64
	ExitIntInfo svm.Event
	NRIP        uint64
	RIP         uint64
	EventInj    svm.Event // programmed for the next VMRUN (filled after injection)
	NextRIP     uint64    // vmcb.NRIP for the next VMRUN when EventInj is soft
	Reinjected  bool      // EventInj re-delivers the event EXITINTINFO reported
	Action      Action
	Note        string
}

// String formats a record as one trace line.
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d L%d %s info1=%#x info2=%#x rip=%#x nrip=%#x", r.Seq, r.Level, r.Code, r.Info1, r.Info2, r.RIP, r.NRIP)
	if r.ExitIntInfo.Valid() {
		fmt.Fprintf(&b, " exitintinfo=[%v]", r.ExitIntInfo)
	}
	fmt.Fprintf(&b, " -> %v", r.Action)
	if r.Reinjected {
		b.WriteString(" +reinject")
	}
	if r.EventInj.Valid() {
		fmt.Fprintf(&b, " eventinj=[%v] next_rip=%#x", r.EventInj, r.NextRIP)
	}
	if r.Note != "" {
		fmt.Fprintf(&b, " (%s)", r.Note)
	}
	return b.String()
}

func (v *VCPU) newRecord() Record {
	vm := &v.cur.vmcb
	return Record{Seq: v.exits, Insns: v.cpu.Insns, Level: 1, Code: vm.ExitCode, Info1: vm.ExitInfo1,
		Info2: vm.ExitInfo2, ExitIntInfo: vm.ExitIntInfo, NRIP: vm.NRIP, RIP: vm.Save.RIP}
}

// trace queues r: it is emitted once the next VMRUN's EVENTINJ is known
// (flushTrace), so each line shows what L0 injected in response.
func (v *VCPU) trace(r Record) {
	if v.cfg.Trace == nil {
		return
	}
	if r.Action == ActionHandled && v.ev.exc.injected && r.ExitIntInfo.Valid() {
		r.Action = ActionReinjected
	}
	v.flushTrace()
	v.pendingRec, v.hasPendingRec = r, true
}

// flushTrace emits the queued record with the EVENTINJ (and next_rip) now
// programmed for the level about to run.
func (v *VCPU) flushTrace() {
	if !v.hasPendingRec {
		return
	}
	r := v.pendingRec
	v.hasPendingRec = false
	r.EventInj = v.cur.vmcb.EventInj
	if r.EventInj.Valid() {
		r.NextRIP = v.cur.vmcb.NRIP
		if r.ExitIntInfo.Valid() && r.Action != ActionReinjected {
			r.Reinjected = r.ExitIntInfo&svm.EventLowMask&^svm.EventEV == r.EventInj&svm.EventLowMask&^svm.EventEV
		}
	}
	v.cfg.Trace(r)
}
