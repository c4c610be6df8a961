// Package archive is the file format of a ck8sargo backup: a gzip-compressed tar stream
// with one YAML file per object, grouped by kind in restore order (Secrets, ConfigMaps,
// AppProjects, Applications, ApplicationSets), and a manifest as its last entry. The
// manifest holds the format version, the time, the cluster server, the profile, every
// object with the SHA-256 of its stored bytes, and counts per kind.
//
// Secret files are encrypted with age to the recipients given to the Writer (stored as
// objects/Secret/NAME.yaml.age); the checksum covers the stored, encrypted bytes, and age
// itself authenticates the plaintext.
//
// Verify reads the gzip stream to its verified end (CRC-32 and size, nothing after it),
// binds an archive to the backup name and to the manifest copy stored beside it
// (ReadOptions.Name, ReadOptions.Manifest), and checks the manifest's signature: an
// HMAC-SHA256 keyed (HKDF) from the team's age X25519 identity (Writer.Sign), which only a
// holder of that identity can make or check. Errors are sentinels for errors.Is:
// ErrCorrupt, ErrTruncated, ErrChecksum, ErrFormatVersion, ErrNoIdentity, ErrNameMismatch,
// ErrManifestMismatch, ErrUnsigned and ErrBadSignature.
//
// Both sides stream: the Writer holds one object at a time and the object list, and Verify
// and Replay read entry by entry with a size limit on each, so a backup of any size is
// written and read in bounded memory.
package archive
