package sealed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ck8sargo/ck8sargo/internal/atomicfile"
)

// DefaultCacheMaxAge is how long a cached certificate is used before it is fetched again.
// The controller makes a new key every 30 days by default and keeps the old ones for
// decryption, so a day-old certificate seals secrets that still unseal.
const DefaultCacheMaxAge = 24 * time.Hour

// CertCache keeps the controller certificate of each cluster on disk, so that sealing does
// not need the service proxy every time. Certificates are public: files are 0644.
type CertCache struct {
	// Dir holds one file per cluster; DefaultCacheDir when empty.
	Dir string
	// MaxAge after which a cached certificate is fetched again; DefaultCacheMaxAge when 0.
	MaxAge time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultCacheDir is ck8sargo/sealed-secrets under the user's cache directory.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "ck8sargo", "sealed-secrets")
}

// CacheKey names a cluster's controller: the API server URL and the controller's Service.
func CacheKey(server, namespace, name string) string {
	sum := sha256.Sum256([]byte(server + "\x00" + namespace + "\x00" + name))
	return hex.EncodeToString(sum[:12])
}

func (c *CertCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Certificate returns the cached certificate for key when it is fresh and valid, and
// otherwise fetches it from ctrl, checks it and stores it. A fetched certificate that is
// expired or malformed is returned as an error and not stored.
func (c *CertCache) Certificate(ctx context.Context, key string, ctrl Controller) (*Certificate, error) {
	dir := c.Dir
	if dir == "" {
		dir = DefaultCacheDir()
	}
	maxAge := c.MaxAge
	if maxAge == 0 {
		maxAge = DefaultCacheMaxAge
	}
	path := filepath.Join(dir, key+".pem")
	if st, err := os.Stat(path); err == nil && c.now().Sub(st.ModTime()) < maxAge {
		if data, err := os.ReadFile(path); err == nil {
			if cert, err := ParseCertificate(data, c.now()); err == nil {
				return cert, nil
			}
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the certificate cache: %w", err)
	}
	data, err := ctrl.Certificate(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the certificate: %w", err)
	}
	cert, err := ParseCertificate(data, c.now())
	if err != nil {
		return nil, fmt.Errorf("certificate served by the %s: %w", ctrl, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the certificate cache: %w", err)
	}
	if err := atomicfile.Write(path, cert.PEM, 0o644); err != nil {
		return nil, fmt.Errorf("caching the certificate: %w", err)
	}
	return cert, nil
}
