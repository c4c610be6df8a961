package sops

import (
	"context"
	"errors"
	"time"

	sopslib "github.com/getsops/sops/v3"

	"github.com/ck8sargo/ck8sargo/secrets/scan"
)

// FileStatus is what Status tells about one file. It holds no value of the file.
type FileStatus struct {
	File string `json:"file"`
	// Encryption is "plaintext", "encrypted" or "sops metadata without MAC".
	Encryption string `json:"encryption"`
	Encrypted  bool   `json:"encrypted"`
	// Recipients are the keys the data key is wrapped for: "pgp:FINGERPRINT", "age:age1...".
	Recipients   []string   `json:"recipients,omitempty"`
	LastModified *time.Time `json:"lastModified,omitempty"`
	SopsVersion  string     `json:"sopsVersion,omitempty"`
	// ConfigFile is the .sops.yaml that governs the file; empty when there is none.
	ConfigFile string `json:"configFile,omitempty"`
	// ExpectedRecipients are the recipients of the matching creation rule; nil when no rule
	// matches.
	ExpectedRecipients []string `json:"expectedRecipients,omitempty"`
	// RecipientsMatch says whether Recipients equal ExpectedRecipients; nil when either is
	// unknown. When false, `secrets updatekeys` brings the file in line.
	RecipientsMatch *bool `json:"recipientsMatch,omitempty"`
	// Missing are expected recipients the file is not encrypted for; Extra those it is
	// encrypted for but .sops.yaml no longer names.
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
	// PlaintextKeys are the key paths of values left in plaintext that the file's sops
	// settings say must be encrypted.
	PlaintextKeys []string `json:"plaintextKeys,omitempty"`
	// Problem says why the sops metadata could not be read (no MAC, truncated); empty when
	// it could.
	Problem string `json:"problem,omitempty"`
}

// Status reports whether data (the content of the file name) is encrypted, for whom, when
// it was last changed, and whether its recipients match .sops.yaml. It needs no key.
func (c *Client) Status(ctx context.Context, name string, data []byte) (*FileStatus, error) {
	st := &FileStatus{File: name}
	enc := scan.DetectEncryption(data)
	st.Encryption = enc.String()
	rule, cf, err := c.creationRule(name)
	if err != nil {
		return nil, err
	}
	st.ConfigFile = cf
	if rule != nil {
		st.ExpectedRecipients = recipients(sopslib.Metadata{KeyGroups: rule.KeyGroups})
	}
	if enc == scan.Plaintext {
		return st, nil
	}
	tree, _, err := c.load(name, data)
	if err != nil {
		if errors.Is(err, ErrNotEncrypted) {
			st.Encryption = scan.Plaintext.String()
			return st, nil
		}
		if errors.Is(err, ErrDamaged) || errors.Is(err, ErrNoMAC) {
			st.Problem = err.Error()
			return st, nil
		}
		return nil, err
	}
	st.Encrypted = enc == scan.Encrypted
	st.Recipients = recipients(tree.Metadata)
	if !tree.Metadata.LastModified.IsZero() {
		lm := tree.Metadata.LastModified.UTC()
		st.LastModified = &lm
	}
	st.SopsVersion = tree.Metadata.Version
	if st.ExpectedRecipients != nil {
		d := diffKeys(st.Recipients, st.ExpectedRecipients)
		st.Missing, st.Extra = d.Added, d.Removed
		match := !d.Changed()
		st.RecipientsMatch = &match
	}
	for _, f := range scan.CheckEncryption(name, data, nil).Findings {
		if f.Key != "" {
			st.PlaintextKeys = append(st.PlaintextKeys, f.Key)
		}
	}
	return st, nil
}
