// Package trace writes L0's world-switch records (nsvm.Record) for people
// and tools: one text line per switch, JSON Lines with every field decoded,
// or Chrome/Perfetto trace-event JSON in which L0, L1 and L2 are separate
// tracks on the instruction-count time axis (open it in ui.perfetto.dev or
// chrome://tracing; one instruction is drawn as one microsecond).
//
// Sinks are called from the goroutine that runs the VM; they are not safe
// for concurrent use.
package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/govmm/govmm/nsvm"
	"github.com/govmm/govmm/x86/svm"
)

// Sink receives world-switch records.
type Sink interface {
	Record(r nsvm.Record)
	// Close flushes the sink (the Perfetto sink writes everything then).
	Close() error
}

// Text writes one line per record.
type Text struct{ w io.Writer }

// NewText returns a text sink writing to w.
func NewText(w io.Writer) *Text { return &Text{w: w} }

// Record implements Sink.
func (t *Text) Record(r nsvm.Record) { fmt.Fprintln(t.w, r) }

// Close implements Sink.
func (t *Text) Close() error { return nil }

// Event is an EVENTINJ/EXITINTINFO value decoded for JSON.
type Event struct {
	Raw     string `json:"raw"`
	Vector  uint8  `json:"vector"`
	Type    string `json:"type"`
	EV      bool   `json:"ev"`
	ErrCode uint32 `json:"error_code,omitempty"`
}

func decodeEvent(e svm.Event) *Event {
	if !e.Valid() {
		return nil
	}
	return &Event{Raw: hex(uint64(e)), Vector: e.Vector(), Type: e.Type().String(), EV: e.HasErrCode(), ErrCode: e.ErrCode()}
}

// JSONRecord is the JSON Lines form of a record.
type JSONRecord struct {
	Seq         uint64 `json:"seq"`
	Start       uint64 `json:"start"`
	Insns       uint64 `json:"insns"`
	Level       int    `json:"level"`
	Exit        string `json:"exit"`
	ExitCode    string `json:"exit_code"`
	Info1       string `json:"exitinfo1"`
	Info2       string `json:"exitinfo2"`
	ExitIntInfo *Event `json:"exitintinfo,omitempty"`
	RIP         string `json:"rip"`
	NRIP        string `json:"nrip"`
	Action      string `json:"action"`
	Reinjected  bool   `json:"reinjected,omitempty"`
	EventInj    *Event `json:"eventinj,omitempty"`
	NextRIP     string `json:"next_rip,omitempty"`
	Note        string `json:"note,omitempty"`
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// ToJSON converts a record.
func ToJSON(r nsvm.Record) JSONRecord {
	j := JSONRecord{Seq: r.Seq, Start: r.Start, Insns: r.Insns, Level: r.Level, Exit: r.Code.String(),
		ExitCode: hex(uint64(r.Code)), Info1: hex(r.Info1), Info2: hex(r.Info2),
		ExitIntInfo: decodeEvent(r.ExitIntInfo), RIP: hex(r.RIP), NRIP: hex(r.NRIP),
		Action: r.Action.String(), Reinjected: r.Reinjected, EventInj: decodeEvent(r.EventInj), Note: r.Note}
	if r.EventInj.Valid() {
		j.NextRIP = hex(r.NextRIP)
	}
	return j
}

// JSONL writes one JSON object per line.
type JSONL struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewJSONL returns a JSON Lines sink writing to w.
func NewJSONL(w io.Writer) *JSONL {
	bw := bufio.NewWriter(w)
	return &JSONL{w: bw, enc: json.NewEncoder(bw)}
}

// Record implements Sink.
func (j *JSONL) Record(r nsvm.Record) { _ = j.enc.Encode(ToJSON(r)) }

// Close implements Sink.
func (j *JSONL) Close() error { return j.w.Flush() }

// chromeEvent is one Chrome trace-event format event.
type chromeEvent struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Ts   uint64         `json:"ts"`
	Dur  uint64         `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	S    string         `json:"s,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// Perfetto collects records and writes a Chrome trace-event JSON document
// on Close: each guest run is a slice on its level's track (L1, L2) and
// each exit an instant on L0's track, with the decoded record as args.
type Perfetto struct {
	w      io.Writer
	events []chromeEvent
}

// NewPerfetto returns a Perfetto/Chrome trace sink writing to w on Close.
func NewPerfetto(w io.Writer) *Perfetto {
	p := &Perfetto{w: w}
	for tid, name := range []string{"L0 (govmm)", "L1", "L2"} {
		p.events = append(p.events, chromeEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: tid,
			Args: map[string]any{"name": name}})
	}
	p.events = append(p.events, chromeEvent{Name: "process_name", Ph: "M", Pid: 1, Args: map[string]any{"name": "govmm"}})
	return p
}

// Record implements Sink.
func (p *Perfetto) Record(r nsvm.Record) {
	j := ToJSON(r)
	args := map[string]any{"record": j}
	dur := r.Insns - r.Start
	if dur == 0 {
		dur = 1
	}
	p.events = append(p.events,
		chromeEvent{Name: fmt.Sprintf("L%d runs", r.Level), Ph: "X", Ts: r.Start, Dur: dur, Pid: 1, Tid: r.Level, Args: args},
		chromeEvent{Name: r.Code.String() + " → " + r.Action.String(), Ph: "i", S: "t", Ts: r.Insns, Pid: 1, Tid: 0, Args: args})
}

// Close implements Sink: it writes the whole document.
func (p *Perfetto) Close() error {
	doc := struct {
		TraceEvents     []chromeEvent `json:"traceEvents"`
		DisplayTimeUnit string        `json:"displayTimeUnit"`
	}{p.events, "ns"}
	enc := json.NewEncoder(p.w)
	return enc.Encode(doc)
}
