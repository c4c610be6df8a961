package doctor

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTheSealedSecretsDetailPutsWhatIsWrongFirst(t *testing.T) {
	tests := []struct {
		name                       string
		certErr                    error
		checked, stale, unverified int
		unlisted                   []string
		want                       string
	}{
		{name: "none", want: "controller answers; no SealedSecrets in the managed namespaces"},
		{name: "all unseal", checked: 3, want: "controller answers; all 3 SealedSecrets can be unsealed"},
		{name: "one of one", checked: 1, stale: 1, want: "controller answers; 1 of 1 SealedSecret cannot be unsealed"},
		{name: "unverified", checked: 2, unverified: 1, want: "controller answers; 1 of 2 SealedSecrets could not be verified"},
		{name: "a namespace not readable, none checked", unlisted: []string{"shop-web"},
			want: "controller answers; SealedSecrets of shop-web not readable"},
		{name: "a namespace not readable", checked: 1, unlisted: []string{"shop-web", "shop-api"},
			want: "controller answers; the one SealedSecret can be unsealed; SealedSecrets of shop-web, shop-api not readable"},
		{name: "bad certificate", certErr: errors.New("expired"), checked: 1,
			want: "controller answers; its certificate cannot be used; the one SealedSecret can be unsealed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sealedDetail(tt.certErr, tt.checked, tt.stale, tt.unverified, tt.unlisted))
		})
	}
}
