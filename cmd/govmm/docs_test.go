package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite the traces in docs/*.md")

// TestDocsTraces regenerates the traces quoted in docs/nested-svm.md and
// checks the page still shows what govmm does.
func TestDocsTraces(t *testing.T) {
	const path = "../../docs/nested-svm.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := string(doc)
	for _, mode := range []string{"reinject", "retry"} {
		var stdout, stderr bytes.Buffer
		execute([]string{"run", "seed", "--mmu-zap", "exit", "--soft-int", mode, "--trace", "exits"}, &stdout, &stderr)
		block := "<!-- trace:" + mode + " -->\n```\n" + strings.TrimSpace(stderr.String()) + "\n```\n<!-- end -->"
		re := regexp.MustCompile(`(?s)<!-- trace:` + mode + ` -->.*?<!-- end -->`)
		if !re.MatchString(out) {
			t.Fatalf("docs/nested-svm.md has no trace:%s block", mode)
		}
		out = re.ReplaceAllLiteralString(out, block)
	}
	if out == string(doc) {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("docs/nested-svm.md's traces are stale: run go test ./cmd/govmm -run TestDocsTraces -update")
}

// TestDocsCLI keeps docs/cli.md equal to the CLI's own help.
func TestDocsCLI(t *testing.T) {
	const path = "../../docs/cli.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var help bytes.Buffer
	execute([]string{"run", "--help"}, &help, &help)
	block := "<!-- help:run -->\n```\n" + strings.TrimSpace(help.String()) + "\n```\n<!-- end -->"
	re := regexp.MustCompile(`(?s)<!-- help:run -->.*?<!-- end -->`)
	out := re.ReplaceAllLiteralString(string(doc), block)
	if out == string(doc) {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("docs/cli.md is stale: run go test ./cmd/govmm -run TestDocsCLI -update")
}
