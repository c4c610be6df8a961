package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/backup/archive"
	"github.com/ck8sargo/ck8sargo/backup/store"
)

// NamePrefix starts every backup name; the rest is the UTC time of the export.
const NamePrefix = "argocd-backup-"

// NameTimeFormat is the time format in backup names.
const NameTimeFormat = "20060102T150405Z"

// ErrPlaintextSecrets is an export asked to write Secrets without encryption.
var ErrPlaintextSecrets = errors.New("refusing to write Secrets in plaintext")

// listPageSize bounds memory while reading: one page of objects at a time.
const listPageSize = 500

// ExportOptions say what to export and how.
type ExportOptions struct {
	Profile argocdmanaged.Profile
	// Recipients are age recipients (age1...) to encrypt Secret data to; empty means
	// Profile.Backup.Recipients.
	Recipients []string
	// IncludePlaintextSecrets allows a backup without recipients, with Secret data in
	// plaintext.
	IncludePlaintextSecrets bool
	// Sign, when set, signs the manifest with a key derived from this identity (see
	// archive.SignatureHMAC), so that a reader holding it can tell the backup was written
	// by a holder of the team's key. archive.SigningIdentity picks one from a key file.
	Sign *age.X25519Identity
	// Name overrides NamePrefix + the time.
	Name string
	// Now is the clock; nil means time.Now.
	Now      func() time.Time
	Progress Progress
}

// Excluded is an object the export left out, and why.
type Excluded struct {
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

// ExportResult says what an export wrote.
type ExportResult struct {
	Name      string         `json:"name"`
	URL       string         `json:"url"`
	Objects   int            `json:"objects"`
	Counts    map[string]int `json:"counts"`
	Encrypted bool           `json:"encrypted"`
	// SignedBy is the age recipient (public key) of the identity that signed the backup;
	// empty for an unsigned one.
	SignedBy string     `json:"signedBy,omitempty"`
	Size     int64      `json:"size"`
	Excluded []Excluded `json:"excluded,omitempty"`
	Warnings []string   `json:"warnings,omitempty"`
	Seconds  float64    `json:"seconds"`
}

// Export reads every object in scope and writes one backup to st.
func Export(ctx context.Context, c *argocdmanaged.Clients, st *store.Store, opts ExportOptions) (*ExportResult, error) {
	start := time.Now()
	opts, _ = stamped(opts)
	if _, _, err := recipientsOf(opts); err != nil {
		return nil, err
	}
	up, err := st.Create(ctx, opts.Name)
	if err != nil {
		return nil, err
	}
	defer up.Abort()
	cw := &countingWriter{w: up}
	m, res, err := WriteArchive(ctx, c, cw, opts)
	if err != nil {
		return nil, err
	}
	if err := up.Commit(ctx, m); err != nil {
		return nil, err
	}
	res.URL = st.URL()
	res.Size = cw.n
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func recipientsOf(opts ExportOptions) ([]age.Recipient, []string, error) {
	names := opts.Recipients
	if len(names) == 0 {
		names = opts.Profile.Backup.Recipients
	}
	if len(names) == 0 {
		if !opts.IncludePlaintextSecrets {
			return nil, nil, ErrPlaintextSecrets
		}
		return nil, nil, nil
	}
	rs, err := ParseRecipients(names)
	return rs, names, err
}

// ParseRecipients parses age recipients (age1...), one per string.
func ParseRecipients(names []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, n := range names {
		rs, err := age.ParseRecipients(strings.NewReader(n))
		if err != nil || len(rs) != 1 {
			return nil, fmt.Errorf("invalid age recipient %q: give a public key such as age1..., as printed by age-keygen", n)
		}
		out = append(out, rs[0])
	}
	return out, nil
}

// ParseIdentities reads age identities in age-keygen format; source names the file in
// errors. A line that is not an identity is reported by its number only: age's own message
// for a mistyped key quotes a character of it (`invalid character data part: s[41]=98`).
func ParseIdentities(r io.Reader, source string) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(r)
	if err != nil {
		var line int
		if _, scanErr := fmt.Sscanf(err.Error(), "error at line %d:", &line); scanErr == nil {
			return nil, fmt.Errorf("reading age identities from %s: line %d is not an age identity (AGE-SECRET-KEY-1..., as age-keygen writes it)", source, line)
		}
		// The file-level messages (not UTF-8, too long, no identities, a read error)
		// hold no key material.
		return nil, fmt.Errorf("reading age identities from %s: %w", source, err)
	}
	return ids, nil
}

// stamped fills in the clock and the backup's name of opts, and pins the clock to the UTC
// second the name is taken at, so that the name and the manifest's creation time agree.
func stamped(opts ExportOptions) (ExportOptions, time.Time) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now().UTC().Truncate(time.Second)
	if opts.Name == "" {
		opts.Name = NamePrefix + now.Format(NameTimeFormat)
	}
	opts.Now = func() time.Time { return now }
	return opts, now
}

// WriteArchive reads every object in scope and writes the archive to w, streaming: one
// page of objects is in memory at a time. Export uses it; it is public for embedders that
// keep archives somewhere other than a Store.
func WriteArchive(ctx context.Context, c *argocdmanaged.Clients, w io.Writer, opts ExportOptions) (*archive.Manifest, *ExportResult, error) {
	opts, now := stamped(opts)
	recipients, names, err := recipientsOf(opts)
	if err != nil {
		return nil, nil, err
	}
	scope := Scope{Profile: opts.Profile}
	server := ""
	if c.Config != nil {
		server = c.Config.Host
	}
	aw := archive.NewWriter(w, archive.Manifest{
		Name: opts.Name, Created: now, Server: server, Namespace: scope.Namespace(), Profile: opts.Profile,
	}, recipients, names)
	if opts.Sign != nil {
		aw.Sign(opts.Sign)
	}
	res := &ExportResult{Name: opts.Name}
	progress := progressOr(opts.Progress)
	done := 0
	warnings, err := collect(ctx, c, scope, func(k kindInfo, u *unstructured.Unstructured) error {
		if reason := scope.Check(u); reason != "" {
			res.Excluded = append(res.Excluded, Excluded{Ref: k.Kind + "/" + u.GetName(), Reason: reason})
			return nil
		}
		owners := u.GetOwnerReferences()
		data, err := yaml.Marshal(Clean(u).Object)
		if err != nil {
			return fmt.Errorf("encoding %s/%s: %w", k.Kind, u.GetName(), err)
		}
		if err := addObject(aw, k.Kind, u, owners, data); err != nil {
			return err
		}
		done++
		if done%100 == 0 {
			progress.Update("export", done, -1)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	aw.SetWarnings(warnings)
	m, err := aw.Close()
	if err != nil {
		return nil, nil, err
	}
	progress.Update("export", done, done)
	res.Objects = m.Total()
	res.Counts = m.Counts
	res.Encrypted = m.Encrypted()
	if m.Signature != nil {
		res.SignedBy = m.Signature.Key
	}
	res.Warnings = warnings
	return m, res, nil
}

// addObject adds an object to the archive, recording the ApplicationSet that owns a
// generated Application (ownerReferences themselves are not kept: they hold uids).
func addObject(aw *archive.Writer, kind string, u *unstructured.Unstructured, owners []metav1.OwnerReference, data []byte) error {
	if kind == "Application" {
		for _, o := range owners {
			if o.Kind == "ApplicationSet" && strings.HasPrefix(o.APIVersion, "argoproj.io/") {
				return aw.AddGenerated(u.GetNamespace(), u.GetName(), o.Name, data)
			}
		}
	}
	return aw.Add(kind, u.GetNamespace(), u.GetName(), data)
}

// collect hands fn every candidate object of the Argo CD namespace, kind by kind in
// restore order. It returns warnings for what the user's rights did not allow to read
// where the export can go on without it.
func collect(ctx context.Context, c *argocdmanaged.Clients, scope Scope, fn func(kindInfo, *unstructured.Unstructured) error) ([]string, error) {
	ns := scope.Namespace()
	var warnings []string
	for _, k := range kinds {
		switch k.Kind {
		case "Secret":
			seen := map[string]bool{}
			err := listAll(ctx, c, k, ns, argocdmanaged.SecretTypeLabel, func(u *unstructured.Unstructured) error {
				seen[u.GetName()] = true
				return fn(k, u)
			})
			names := []string{scope.Profile.Notifications.Secret}
			if apierrors.IsForbidden(err) {
				// A developer may read a few named Secrets but not list them: back up
				// those, and say what is missing.
				warnings = append(warnings, fmt.Sprintf("you may not list Secrets in namespace %s, so only the Secrets the profile names were backed up (repository, repo-creds and cluster Secrets are missing); ask the Platform Administrator for the right to list secrets in namespace %s", ns, ns))
				names = append(names, scope.Profile.Features.HelmSecrets.KeySecretName, scope.Profile.Features.Vals.SecretName)
			} else if err != nil {
				return nil, c.Explain(err, "list", k.GVR, ns, "")
			}
			for _, name := range names {
				if name == "" || seen[name] {
					continue
				}
				seen[name] = true
				if err := getOne(ctx, c, k, ns, name, &warnings, fn); err != nil {
					return nil, err
				}
			}
		case "ConfigMap":
			for _, name := range scope.configMaps() {
				if err := getOne(ctx, c, k, ns, name, &warnings, fn); err != nil {
					return nil, err
				}
			}
		default:
			if err := listAll(ctx, c, k, ns, "", func(u *unstructured.Unstructured) error { return fn(k, u) }); err != nil {
				return nil, c.Explain(err, "list", k.GVR, ns, "")
			}
		}
	}
	return warnings, nil
}

// getOne reads a named object; a missing one is simply not in the backup.
func getOne(ctx context.Context, c *argocdmanaged.Clients, k kindInfo, ns, name string, warnings *[]string, fn func(kindInfo, *unstructured.Unstructured) error) error {
	u, err := c.Dynamic.Resource(k.GVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case apierrors.IsForbidden(err):
		*warnings = append(*warnings, c.Explain(err, "get", k.GVR, ns, name).Error()+"; it is not in this backup")
		return nil
	case err != nil:
		return c.Explain(err, "get", k.GVR, ns, name)
	}
	return fn(k, u)
}

// listAll lists a kind page by page, fetching the next page while fn works through the
// current one (the API server's work and the encoding overlap), with at most two pages in
// memory. The error is the API's, unexplained, so that callers can branch on Forbidden.
func listAll(ctx context.Context, c *argocdmanaged.Clients, k kindInfo, ns, selector string, fn func(*unstructured.Unstructured) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type page struct {
		list *unstructured.UnstructuredList
		err  error
	}
	pages := make(chan page, 1)
	go func() {
		defer close(pages)
		opts := metav1.ListOptions{Limit: listPageSize, LabelSelector: selector}
		for {
			list, err := c.Dynamic.Resource(k.GVR).Namespace(ns).List(ctx, opts)
			select {
			case pages <- page{list, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || list.GetContinue() == "" {
				return
			}
			opts.Continue = list.GetContinue()
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		for i := range p.list.Items {
			if err := fn(&p.list.Items[i]); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
