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
		out = replaceBlock(t, out, "trace:"+mode, stderr.String())
	}
	syncDoc(t, path, doc, out, "TestDocsTraces")
}

// replaceBlock replaces the fenced block between "<!-- marker -->" and
// "<!-- end -->" in doc with content.
func replaceBlock(t *testing.T, doc, marker, content string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<!-- ` + regexp.QuoteMeta(marker) + ` -->.*?<!-- end -->`)
	if !re.MatchString(doc) {
		t.Fatalf("no %s block", marker)
	}
	return re.ReplaceAllLiteralString(doc, "<!-- "+marker+" -->\n```\n"+strings.TrimSpace(content)+"\n```\n<!-- end -->")
}

// syncDoc fails when the regenerated page differs, or rewrites it with -update.
func syncDoc(t *testing.T, path string, doc []byte, out, test string) {
	t.Helper()
	if out == string(doc) {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is stale: run go test ./cmd/govmm -run %s -update", path, test)
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
	syncDoc(t, path, doc, replaceBlock(t, string(doc), "help:run", help.String()), "TestDocsCLI")
}
