package argocdmanaged

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MarshalProfile writes a profile in the file format that ParseProfile reads, with a short
// header saying what the file is for.
func MarshalProfile(p Profile) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# ck8sargo profile: the facts of the managed Argo CD environment this repository deploys to.\n")
	buf.WriteString("# Values not written here take the built-in defaults (docs/profile.md lists them).\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding profile: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding profile: %w", err)
	}
	return buf.Bytes(), nil
}
