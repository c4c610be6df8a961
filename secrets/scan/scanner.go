package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ck8sargo/ck8sargo/secrets/internal/yamlnode"
)

// MaxFileSize is the largest file Scan reads; a larger file is a CheckTooLarge finding,
// never a silent pass: it could hold a plaintext Secret.
const MaxFileSize = 16 << 20

// Result is what Scan found.
type Result struct {
	// Findings is never nil, so that JSON shows [] when there are none.
	Findings []Finding `json:"findings"`
	// Files is the number of files read; Skipped those passed over (binary, or not a
	// regular file); Allowed the findings an allow marker or the allowlist let pass.
	Files   int `json:"files"`
	Skipped int `json:"skipped"`
	Allowed int `json:"allowed"`
}

// conventionalSecretsRE matches the names helm-secrets users give their values files
// (secrets.yaml, secrets.prod.yaml, secrets-prod.yaml, prod.secrets.yaml).
var conventionalSecretsRE = regexp.MustCompile(`^(secrets([.-][^/]+)?|[^/]+\.secrets)\.ya?ml$`)

// Scan checks the files at paths (files or directories, slash-separated, relative to the
// root of fsys, which should be the repository root; "." for all) with no allowlist; see
// ScanWith.
func Scan(ctx context.Context, fsys fs.FS, paths ...string) (*Result, error) {
	return ScanWith(ctx, fsys, Options{}, paths...)
}

// ScanWith checks the files at paths (files or directories, slash-separated, relative to
// the root of fsys, which should be the repository root; "." for all) and returns every
// finding that opts and the allow markers of the files do not let pass:
//
//   - private key material in any text file;
//   - Secret manifests with plaintext data in YAML and JSON files, and, read as text, in
//     files that do not parse as YAML (Helm templates, tab indentation);
//   - kustomize secretGenerator entries, which put a Secret's values in the repository;
//   - credentials (cloud keys, API tokens, passwords in .env files, values files and the
//     like) found by gitleaks' rule set in any text file;
//   - files that must be sops-encrypted but are not, or only partly, or have no MAC: those a
//     creation rule with a path_regex matches, those named like helm-secrets values files
//     (secrets.yaml, secrets.*.yaml, secrets-*.yaml, *.secrets.yaml; not manifests, not in
//     templates/) under a .sops.yaml,
//     and those an Application in the scanned files references through secrets:// (read
//     from fsys even when not among paths, so a hook given only the changed files still
//     catches them);
//   - git conflict markers in files with sops metadata.
//
// A secret is reported once: a credential or private key inside a plaintext Secret's
// data, a secretGenerator's literals or a file that must be encrypted is part of that
// finding. Files are checked in parallel, on GOMAXPROCS workers. Directories named .git are
// not entered. Problems reading a path or a .sops.yaml are returned joined, with the
// findings of everything else; a bad allowlist is an error and no result.
func ScanWith(ctx context.Context, fsys fs.FS, opts Options, paths ...string) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("secrets scan allowlist: %w", err)
	}
	if _, err := detector(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	s := &scanner{fsys: fsys, configs: map[string]configEntry{}}
	var errs []error
	var files []string
	for _, p := range paths {
		p = path.Clean(p)
		if !fs.ValidPath(p) {
			errs = append(errs, fmt.Errorf("%s: not a path inside the scanned directory", p))
			continue
		}
		err := fs.WalkDir(fsys, p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".git" && name != p {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, name)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)

	results := make([]fileResult, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				results[i] = s.file(files[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{}
	byFile := map[string]*fileResult{}
	encChecked := map[string]bool{}
	var refs []ValueFileRef
	for i := range results {
		r := &results[i]
		byFile[files[i]] = r
		if r.err != nil {
			errs = append(errs, r.err)
		}
		if r.read {
			res.Files++
		}
		if r.skipped {
			res.Skipped++
		}
		if r.encChecked {
			encChecked[files[i]] = true
		}
		refs = append(refs, r.refs...)
	}
	// secrets:// files, also those outside paths: each must be encrypted.
	for _, ref := range refs {
		if ref.Path == "" || encChecked[ref.Path] {
			continue
		}
		if _, err := fs.Stat(fsys, ref.Path); err != nil {
			continue // in another repository or not written yet: nothing to check here
		}
		r, err := s.referenced(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		encChecked[ref.Path] = true
		if fr := byFile[ref.Path]; fr != nil {
			fr.findings = append(fr.findings, r.findings...)
		} else {
			byFile[ref.Path] = &r
			files = append(files, ref.Path)
		}
	}
	for _, name := range files {
		r := byFile[name]
		for _, f := range absorb(r.findings) {
			f.Fingerprint = fingerprint(f)
			if r.allowed[f.Line] || opts.allows(f) {
				res.Allowed++
				continue
			}
			res.Findings = append(res.Findings, f)
		}
	}
	res.Findings = SortFindings(res.Findings)
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	return res, errors.Join(errs...)
}

// fileResult is what checking one file gave.
type fileResult struct {
	findings []Finding
	refs     []ValueFileRef
	// allowed are the lines an allow marker lets pass.
	allowed       map[int]bool
	read, skipped bool
	encChecked    bool
	err           error
}

type scanner struct {
	fsys fs.FS
	mu   sync.Mutex
	// configs are the .sops.yaml files by directory of the file (nil when none).
	configs map[string]configEntry
}

type configEntry struct {
	c   *Config
	err error
}

// config returns the .sops.yaml that governs file, as FindConfig does, but looks in each
// directory once and parses each .sops.yaml once, for all the files under it.
func (s *scanner) config(file string) (*Config, error) { return s.dirConfig(path.Dir(file)) }

func (s *scanner) dirConfig(dir string) (*Config, error) {
	s.mu.Lock()
	e, ok := s.configs[dir]
	s.mu.Unlock()
	if ok {
		return e.c, e.err
	}
	p := path.Join(dir, ConfigFileName)
	var c *Config
	data, err := fs.ReadFile(s.fsys, p)
	switch {
	case err == nil:
		if c, err = ParseConfig(dir, data); err != nil {
			c, err = nil, fmt.Errorf("%s: %w", p, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
	case dir == "." || dir == "/" || dir == "":
		err = nil
	default:
		c, err = s.dirConfig(path.Dir(dir))
	}
	s.mu.Lock()
	s.configs[dir] = configEntry{c, err}
	s.mu.Unlock()
	return c, err
}

// read returns the content of a regular text file under MaxFileSize; skipped says it is
// binary or not a regular file, and a finding is returned for a file too large to read.
func (s *scanner) read(name string) (data []byte, skipped bool, tooLarge *Finding, err error) {
	info, err := fs.Stat(s.fsys, name)
	if err != nil {
		return nil, false, nil, err
	}
	if !info.Mode().IsRegular() {
		// A FIFO or device: reading it could block, and git stores no such content.
		return nil, true, nil, nil
	}
	if info.Size() > MaxFileSize {
		return nil, false, &Finding{
			Check: CheckTooLarge, File: name, Line: 1,
			Message:     fmt.Sprintf("%d bytes, over the %d MiB the scan reads: it was not checked for secrets", info.Size(), MaxFileSize>>20),
			Remediation: "keep large files out of the repository, or split this one into files under the limit",
		}, nil
	}
	data, err = fs.ReadFile(s.fsys, name)
	if err != nil {
		return nil, false, nil, err
	}
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return nil, true, nil, nil
	}
	return data, false, nil, nil
}

// referenced checks the encryption of a file an Application references through secrets://.
func (s *scanner) referenced(ref ValueFileRef) (fileResult, error) {
	data, skipped, big, err := s.read(ref.Path)
	switch {
	case err != nil:
		return fileResult{}, err
	case big != nil:
		return fileResult{findings: []Finding{*big}}, nil
	case skipped:
		return fileResult{}, nil
	}
	var rule *Rule
	if c, err := s.config(ref.Path); err == nil && c != nil {
		rule = c.RuleFor(ref.Path)
	}
	st := CheckEncryption(ref.Path, data, rule)
	for i := range st.Findings {
		if st.Encryption != Encrypted {
			st.Findings[i].Message += fmt.Sprintf(" (referenced as %s by Application %s at %s:%d)", ref.Ref, ref.Application, ref.File, ref.Line)
		}
	}
	return fileResult{findings: wholeFile(st.Findings, data), allowed: allowedLines(data)}, nil
}

// templateExts are the extensions of files that template YAML and so are not YAML: Helm's
// helpers, helmfile's .gotmpl, Jinja.
var templateExts = map[string]bool{".tpl": true, ".tmpl": true, ".gotmpl": true, ".j2": true, ".jinja": true, ".jinja2": true}

// file checks one file found under the scanned paths.
func (s *scanner) file(name string) fileResult {
	data, skipped, big, err := s.read(name)
	switch {
	case err != nil:
		return fileResult{err: err}
	case big != nil:
		return fileResult{findings: []Finding{*big}}
	case skipped:
		return fileResult{skipped: true}
	}
	r := fileResult{read: true, allowed: allowedLines(data)}
	add := func(fs ...Finding) { r.findings = append(r.findings, fs...) }
	add(PrivateKeys(name, data)...)
	base := path.Base(name)
	if base == ConfigFileName {
		return r
	}
	format := FormatFor(name)
	enc := DetectEncryption(data)
	if enc != Plaintext {
		add(ConflictMarkers(name, data)...)
	}
	c, err := s.config(name)
	if err != nil {
		r.err = err
		return r
	}
	var rule *Rule
	if c != nil {
		rule = c.RuleFor(name)
	}
	mustEncrypt := rule != nil && rule.PathRegex != "" ||
		c != nil && conventionalSecretsRE.MatchString(base) &&
			!slices.Contains(strings.Split(path.Dir(name), "/"), "templates") && !isManifest(data)
	if mustEncrypt || enc != Plaintext {
		r.encChecked = true
		add(wholeFile(CheckEncryption(name, data, rule).Findings, data)...)
	}
	mentionsSecret := mayHoldSecretKind(data)
	switch {
	case format == FormatYAML || format == FormatJSON:
		if mentionsSecret {
			found := PlaintextSecrets(name, data)
			if _, err := documents(data); err != nil && format == FormatYAML {
				// Not YAML as a whole (a template, tabs): what the parser could not reach is
				// read as text; a block found both ways is reported once.
				for _, t := range TextSecrets(name, data) {
					if !slices.ContainsFunc(found, func(f Finding) bool { return f.Line == t.Line }) {
						found = append(found, t)
					}
				}
			}
			add(found...)
		}
		if bytes.Contains(data, []byte("secrets")) && bytes.Contains(data, []byte("argoproj.io/")) {
			r.refs = SecretsValueFiles(name, data)
		}
		add(GeneratedSecrets(name, data)...)
	case mentionsSecret && (templateExts[strings.ToLower(path.Ext(name))] || slices.Contains(strings.Split(path.Dir(name), "/"), "templates")):
		add(TextSecrets(name, data)...)
	case base == "Kustomization":
		add(GeneratedSecrets(name, data)...)
	}
	creds, err := Credentials(name, data)
	if err != nil {
		r.err = err
		return r
	}
	add(creds...)
	return r
}

// mayHoldSecretKind says whether data can hold a Secret manifest, the scalar Secret (kind:
// Secret): the word Secret with no letter or digit either side (not existingSecret, not
// SealedSecret), or a backslash, as a double-quoted scalar can spell it with escapes. What
// says no is spared the YAML parser.
func mayHoldSecretKind(data []byte) bool {
	if bytes.IndexByte(data, '\\') >= 0 {
		return true
	}
	word := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
	for rest, off := data, 0; ; {
		i := bytes.Index(rest, []byte("Secret"))
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len("Secret")
		if (start == 0 || !word(data[start-1])) && (end == len(data) || !word(data[end])) {
			return true
		}
		rest, off = data[end:], end
	}
}

// wholeFile gives the findings about a whole file (no key: not encrypted, no MAC) the file's
// last line as EndLine, so that what they cover is known.
func wholeFile(fs []Finding, data []byte) []Finding {
	for i := range fs {
		if fs[i].Check == CheckUnencryptedFile && fs[i].Key == "" {
			fs[i].EndLine = max(1, bytes.Count(data, []byte("\n"))+1)
		}
	}
	return fs
}

// absorb drops the credential and private-key findings of one file that lie in the block of
// a plaintext-secret or unencrypted-secrets-file finding: the same secret, reported once, by
// the finding that says what to do with the file. A private key absorbed is named in the
// message of the finding that took it, as it must also be rotated.
func absorb(fs []Finding) []Finding {
	cover := func(f Finding) int {
		if f.Check != CheckCredential && f.Check != CheckPrivateKey {
			return -1
		}
		return slices.IndexFunc(fs, func(c Finding) bool {
			return (c.Check == CheckPlaintextSecret || c.Check == CheckUnencryptedFile) &&
				c.Line <= f.Line && f.Line <= max(c.Line, c.EndLine)
		})
	}
	holdsKey := map[int]bool{}
	for _, f := range fs {
		if c := cover(f); c >= 0 && f.Check == CheckPrivateKey {
			holdsKey[c] = true
		}
	}
	var out []Finding
	for i, f := range fs {
		if cover(f) >= 0 {
			continue
		}
		if holdsKey[i] {
			f.Message += "; it holds private key material, which must also be rotated"
		}
		out = append(out, f)
	}
	return out
}

// isManifest says whether data is a Kubernetes manifest (apiVersion and kind at the top)
// rather than a Helm values file.
func isManifest(data []byte) bool {
	if !bytes.Contains(data, []byte("apiVersion")) {
		return false
	}
	docs, _ := documents(data)
	return len(docs) > 0 && yamlnode.Scalar(docs[0], "apiVersion") != "" && yamlnode.Scalar(docs[0], "kind") != ""
}
