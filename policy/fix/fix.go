package fix

// Op is an operation that mends a finding.
type Op string

// The operations, by what they do. Subject, where an operation takes one, is said on each.
const (
	// CreateNamespace creates a namespace as an HNC subnamespace of a parent namespace;
	// Subject is the namespace, empty when the finding does not know it.
	CreateNamespace Op = "create-namespace"
	// EncryptFile encrypts a file with sops for the recipients of its .sops.yaml rule;
	// Subject is the file, empty for any file.
	EncryptFile Op = "encrypt-file"
	// EditEncryptedFile decrypts a sops file into an editor and encrypts the result again;
	// Subject is the file, empty for any file.
	EditEncryptedFile Op = "edit-encrypted-file"
	// SealSecret seals a Secret for the cluster's sealed-secrets controller.
	SealSecret Op = "seal-secret"
	// WireValuesFile adds a secrets:// value file to an Application in the form Argo CD
	// and helm-secrets resolve.
	WireValuesFile Op = "wire-values-file"
	// DiscoverProfile reads the environment's enabled features from the cluster into the
	// profile.
	DiscoverProfile Op = "discover-profile"
	// GiveIdentity gives the check a private key that decrypts sops files.
	GiveIdentity Op = "give-identity"
	// RaiseFileLimit raises the size limit of the files a check reads.
	RaiseFileLimit Op = "raise-file-limit"
	// GiveRepository tells the check which repository (root directory and URL) is the one
	// an Application's source names.
	GiveRepository Op = "give-repository"
)

// Fix is an operation, with its subject, that mends one finding. The zero Fix is none.
type Fix struct {
	Op      Op
	Subject string
}

// IsZero reports whether there is no fix.
func (f Fix) IsZero() bool { return f.Op == "" }
