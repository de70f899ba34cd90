package nsvm

import (
	"fmt"
	"strconv"
	"strings"
)

// ZapPolicy says when L0 drops every shadow page-table entry, so that the
// guest's next accesses — including those made while delivering an event
// (IDT, GDT, stack, handler) — fault into L0 again.
type ZapPolicy struct {
	// OnExit drops the shadow after every exit that was not itself a
	// shadow fill (dropping after fills would never let the guest progress).
	OnExit bool
	// Every, if non-zero, drops the shadow after every Every-th such exit.
	Every int
}

// ParseZapPolicy parses "never", "exit" or "every:N".
func ParseZapPolicy(s string) (ZapPolicy, error) {
	switch {
	case s == "never" || s == "":
		return ZapPolicy{}, nil
	case s == "exit":
		return ZapPolicy{OnExit: true}, nil
	case strings.HasPrefix(s, "every:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "every:"))
		if err != nil || n < 1 {
			return ZapPolicy{}, fmt.Errorf("bad zap policy %q: every:N needs N >= 1", s)
		}
		return ZapPolicy{Every: n}, nil
	}
	return ZapPolicy{}, fmt.Errorf("bad zap policy %q: want never, exit or every:N", s)
}

func (p ZapPolicy) String() string {
	switch {
	case p.OnExit:
		return "exit"
	case p.Every > 0:
		return fmt.Sprintf("every:%d", p.Every)
	}
	return "never"
}

// applyZapPolicy zaps the shadow after an exit according to the policy.
func (v *VCPU) applyZapPolicy(wasFill bool) {
	if wasFill {
		return
	}
	switch {
	case v.cfg.Zap.OnExit:
		v.cur.mmu.Zap()
	case v.cfg.Zap.Every > 0:
		v.zapLeft--
		if v.zapLeft <= 0 {
			v.cur.mmu.Zap()
			v.zapLeft = v.cfg.Zap.Every
		}
	}
}
