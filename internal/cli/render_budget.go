package cli

import (
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// renderBudget checks the budget flags shared by the commands that render Applications
// (policy check, golive, render, diff): --max-file-size, returned in bytes, and
// --render-timeout.
func renderBudget(maxFileSize string, renderTimeout time.Duration) (int64, error) {
	q, err := resource.ParseQuantity(maxFileSize)
	if err != nil || q.Value() <= 0 {
		return 0, UsageErrorf("--max-file-size %q: use a size such as 16Mi or 1000000", maxFileSize)
	}
	if renderTimeout < 0 {
		return 0, UsageErrorf("--render-timeout %s: use a positive duration such as 2m, or 0 for none", renderTimeout)
	}
	return q.Value(), nil
}
