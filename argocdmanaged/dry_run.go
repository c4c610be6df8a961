package argocdmanaged

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// DryRun says whether a write is made, with the meaning of kubectl's --dry-run. Every
// library call that changes the cluster takes one; the zero value makes the write.
type DryRun string

// The dry-run modes.
const (
	// DryRunNone makes the write.
	DryRunNone DryRun = ""
	// DryRunClient sends nothing that changes the cluster; the result says what would
	// change.
	DryRunClient DryRun = "client"
	// DryRunServer sends the writes with dryRun=All: the API server checks and admits
	// them (admission webhooks included) without storing anything.
	DryRunServer DryRun = "server"
)

// Valid says whether d is one of the modes.
func (d DryRun) Valid() bool {
	return d == DryRunNone || d == DryRunClient || d == DryRunServer
}

// APIOption is the dryRun option of a write request in mode d: dryRun=All for
// DryRunServer, none otherwise (with DryRunClient the write is not sent at all).
func (d DryRun) APIOption() []string {
	if d == DryRunServer {
		return []string{metav1.DryRunAll}
	}
	return nil
}
