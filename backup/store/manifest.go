package store

import (
	"encoding/json"
	"fmt"

	"github.com/ck8sargo/ck8sargo/backup/archive"
)

func marshalManifest(m *archive.Manifest) ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	return data, nil
}
