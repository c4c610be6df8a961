package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/notify"
)

// refusedNamesNoCredential ends the name of the subtest whose endpoint refuses the delivery.
const refusedNamesNoCredential = "refused: the error names no credential"

// bothWays runs check twice: as subtest delivered with an endpoint that takes the
// delivery, and as subtest refused with one that refuses it.
func bothWays(t *testing.T, delivered, refused string, check func(t *testing.T, refuse bool)) {
	t.Helper()
	t.Run(delivered, func(t *testing.T) { check(t, false) })
	t.Run(refused, func(t *testing.T) { check(t, true) })
}

// assertRefused checks that d was not sent and that its error, which the test log shows
// as the user sees it, holds want.
func assertRefused(t *testing.T, d notify.Delivery, want string) {
	t.Helper()
	t.Logf("the error the user sees: %s", d.SendError)
	assert.False(t, d.Sent)
	assert.Contains(t, d.SendError, want)
}

// sendOneTo subscribes a failed Application to spec's service with recipient, with
// template appended to the sync-failed template, and sends it as sendOne does.
func sendOneTo(t *testing.T, spec notify.ServiceSpec, template, recipient string) notify.Delivery {
	t.Helper()
	cfg := catalogWith(t, spec)
	cfg.Data["template.app-sync-failed"] += template
	name := spec.Name
	if name == "" {
		name = spec.Type
	}
	return sendOne(t, cfg, failedApp(t, map[string]string{"notifications.argoproj.io/subscribe.on-sync-failed." + name: recipient}))
}
