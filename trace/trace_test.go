package trace

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/govmm/govmm/nsvm"
	"github.com/govmm/govmm/x86/svm"
)

func sample() []nsvm.Record {
	return []nsvm.Record{
		{Seq: 1, Start: 0, Insns: 40, Level: 1, Code: svm.ExitExcpPF, Info1: 0, Info2: 0x2018, RIP: 0x1021,
			ExitIntInfo: svm.NewEvent(svm.EventTypeException, 3), Action: nsvm.ActionShadowFill,
			EventInj: svm.NewEvent(svm.EventTypeException, 3), NextRIP: 0x1022, Reinjected: true, Note: "gva 0x2018 -> gpa 0x2000"},
		{Seq: 2, Start: 40, Insns: 90, Level: 2, Code: svm.ExitCPUID, RIP: 0x3000, NRIP: 0x3002, Action: nsvm.ActionReflected},
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	s := NewText(&b)
	for _, r := range sample() {
		s.Record(r)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "VMEXIT_EXCP14") || !strings.Contains(lines[0], "+reinject eventinj=[EXCP vec=0x3] next_rip=0x1022") ||
		!strings.Contains(lines[1], "L2 VMEXIT_CPUID") || !strings.Contains(lines[1], "reflected to L1") {
		t.Fatalf("text trace:\n%s", b.String())
	}
}

func TestJSONL(t *testing.T) {
	var b bytes.Buffer
	s := NewJSONL(&b)
	for _, r := range sample() {
		s.Record(r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	var j JSONRecord
	if err := json.Unmarshal([]byte(lines[0]), &j); err != nil {
		t.Fatal(err)
	}
	if j.Exit != "VMEXIT_EXCP14" || j.Info2 != "0x2018" || j.ExitIntInfo == nil || j.ExitIntInfo.Vector != 3 ||
		j.ExitIntInfo.Type != svm.EventTypeException.String() || j.EventInj == nil || j.NextRIP != "0x1022" || !j.Reinjected {
		t.Fatalf("decoded %+v", j)
	}
}

func TestPerfetto(t *testing.T) {
	var b bytes.Buffer
	s := NewPerfetto(&b)
	for _, r := range sample() {
		s.Record(r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Name string `json:"name"`
			Ph   string `json:"ph"`
			Ts   uint64 `json:"ts"`
			Dur  uint64 `json:"dur"`
			Tid  int    `json:"tid"`
			Args any    `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var slices, instants, names int
	for _, e := range doc.TraceEvents {
		switch e.Ph {
		case "X":
			slices++
			if e.Name == "L2 runs" && (e.Tid != 2 || e.Ts != 40 || e.Dur != 50) {
				t.Fatalf("L2 slice %+v", e)
			}
		case "i":
			instants++
			if e.Tid != 0 {
				t.Fatalf("exit instant not on L0's track: %+v", e)
			}
		case "M":
			names++
		}
	}
	if slices != 2 || instants != 2 || names != 4 {
		t.Fatalf("slices %d instants %d metadata %d", slices, instants, names)
	}
}
