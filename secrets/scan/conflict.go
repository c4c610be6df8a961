package scan

import (
	"strings"

	"github.com/ck8sargo/ck8sargo/policy/fix"
)

// ConflictMarkers finds git conflict markers (<<<<<<<, =======, >>>>>>> and the diff3
// |||||||) at the start of a line in a sops-encrypted file. A merge of two encrypted
// versions cannot be resolved by hand: the MAC covers every value. Files without sops
// metadata give no findings, as their conflicts are not this package's business.
func ConflictMarkers(file string, data []byte) []Finding {
	if DetectEncryption(data) == Plaintext {
		return nil
	}
	var out []Finding
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if isConflictMarker(line) {
			out = append(out, Finding{
				Check: CheckConflictMarker, File: file, Line: i + 1, Column: 1,
				Message:     "git conflict marker in a sops-encrypted file",
				Remediation: "take one side (git checkout --ours/--theirs " + file + "), then re-apply the other side's change by editing the decrypted file",
				Fix:         fix.Fix{Op: fix.EditEncryptedFile, Subject: file},
			})
		}
	}
	return out
}

func isConflictMarker(line string) bool {
	for _, m := range []string{"<<<<<<<", ">>>>>>>", "|||||||"} {
		if line == m || strings.HasPrefix(line, m+" ") {
			return true
		}
	}
	return line == "======="
}
