package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The line scan agrees with the YAML parser on every field of the fixtures' objects that
// the rules point at.
func TestBlockFieldLineAgreesWithTheParser(t *testing.T) {
	paths := []string{
		"metadata", "metadata.namespace", "metadata.annotations", "spec.replicas", "spec",
		"spec.syncPolicy.syncOptions", "spec.syncPolicy.managedNamespaceMetadata",
		"spec.destination.namespace", "spec.destination.server", "spec.source.helm.valueFiles.1",
		"spec.source.helm.fileParameters.0", "spec.template.spec.containers.0",
		"spec.template.spec.containers.0.image", "spec.template.spec.containers.0.securityContext.privileged",
		"spec.template.spec.securityContext.seccompProfile", "spec.template.spec.volumes.0",
		"spec.maxUnavailable", "spec.minAvailable", "spec.type", "stringData", "data",
		"spec.template.metadata.name", "spec.templatePatch", "spec.project",
	}
	checked := 0
	err := filepath.Walk(filepath.Join("rules", "testdata"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.Contains(p, "/templates/") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, _ := parseFile(p, data)
		for _, o := range objs {
			if len(o.doc) == 0 {
				continue
			}
			for _, path := range paths {
				want := o.yamlFieldLine(path)
				if got, ok := blockFieldLine(o.doc, path); ok {
					checked++
					if o.line+got-1 != want {
						t.Errorf("%s %s %s: line scan says %d, parser %d", p, o.Kind, path, o.line+got-1, want)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 1000 {
		t.Errorf("only %d lookups were checked", checked)
	}
}
