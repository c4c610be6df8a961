// Package scan finds secrets that are about to be committed in plaintext: Kubernetes Secret
// manifests with data, files that a .sops.yaml creation rule (or a secrets:// reference from
// an Argo CD Application) says must be sops-encrypted but are not, or only partly, private key
// material, and git conflict markers inside sops files.
//
// The checks are pure functions over file bytes, so that other checkers (the policy rules
// plaintext-secret and unencrypted-secrets-file) call the same code:
//
//   - PlaintextSecrets: Secret manifests with non-empty data or stringData in plaintext;
//   - DetectEncryption and CheckEncryption: whether a file carries sops metadata with a MAC,
//     and which leaves the matching creation rule says must be encrypted but are not;
//   - PrivateKeys: armored PGP private key blocks, AGE-SECRET-KEY- identities and PEM
//     private keys;
//   - ConflictMarkers: git conflict markers inside a sops file, which would make sops fail
//     and tempt a hand merge of ciphertext;
//   - TextSecrets: Secret manifests in files that do not parse as YAML (Helm templates,
//     tabs), read line by line; GeneratedSecrets: kustomize secretGenerator entries;
//   - Credentials: cloud keys, tokens and passwords, by gitleaks' rule set (v8's detect
//     package) and a rule of ours for passwords with symbols;
//   - ParseConfig and (*Config).RuleFor: .sops.yaml creation rules, matched like sops does.
//
// Scan runs them all over a file tree (an fs.FS rooted at the repository), in parallel, and
// returns the findings sorted by file and line, each secret once; ScanWith also takes an
// allowlist (Options), and ck8sargo:allow comments let single lines pass. Nothing here prints, and no finding ever carries a value:
// only file, line, key path and what to do.
package scan
