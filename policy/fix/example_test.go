package fix_test

import (
	"fmt"

	"github.com/ck8sargo/ck8sargo/policy/fix"
)

// A tool shows the remediation and, where it has one, its own way to do the fix.
func Example() {
	f := fix.Fix{Op: fix.CreateNamespace, Subject: "shop"}
	switch f.Op {
	case fix.CreateNamespace:
		fmt.Printf("create the subnamespace %s under its parent\n", f.Subject)
	}
	// Output: create the subnamespace shop under its parent
}
