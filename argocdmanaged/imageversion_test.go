package argocdmanaged

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestImageVersionReadsOnlyReleaseTags(t *testing.T) {
	for _, tc := range []struct{ image, want string }{
		{"quay.io/argoproj/argocd:v3.5.7", "v3.5.7"},
		{"registry.example.com:5000/argoproj/argocd:v3.4.2-ck8s1", "v3.4.2"},
		{"quay.io/argoproj/argocd:v3.5.7@sha256:0123", "v3.5.7"},
		{"quay.io/argoproj/argocd:latest", ""},
		{"registry.example.com:5000/argoproj/argocd", ""},
		{"quay.io/argoproj/argocd@sha256:0123", ""},
	} {
		t.Run(tc.image, func(t *testing.T) {
			assert.Equal(t, tc.want, imageVersion(tc.image))
		})
	}
}
