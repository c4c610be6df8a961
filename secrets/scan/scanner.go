package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// MaxFileSize is the largest file Scan reads; a larger file is a CheckTooLarge finding,
// never a silent pass: it could hold a plaintext Secret.
const MaxFileSize = 16 << 20

// Result is what Scan found.
type Result struct {
	Findings []Finding `json:"findings"`
	// Findings is never nil, so that JSON shows [] when there are none.
	// Files is the number of files read; Skipped those passed over (binary, or not a
	// regular file).
	Files   int `json:"files"`
	Skipped int `json:"skipped"`
}

// conventionalSecretsRE matches the names helm-secrets users give their values files
// (secrets.yaml, secrets.prod.yaml, secrets-prod.yaml, prod.secrets.yaml).
var conventionalSecretsRE = regexp.MustCompile(`^(secrets([.-][^/]+)?|[^/]+\.secrets)\.ya?ml$`)

// Scan checks the files at paths (files or directories, slash-separated, relative to the
// root of fsys, which should be the repository root; "." for all) and returns every finding:
//
//   - private key material in any text file;
//   - Secret manifests with plaintext data in YAML and JSON files;
//   - files that must be sops-encrypted but are not, or only partly, or have no MAC: those a
//     creation rule with a path_regex matches, those named like helm-secrets values files
//     (secrets.yaml, secrets.*.yaml, secrets-*.yaml, *.secrets.yaml; not manifests, not in
//     templates/) under a .sops.yaml,
//     and those an Application in the scanned files references through secrets:// (read
//     from fsys even when not among paths, so a hook given only the changed files still
//     catches them);
//   - git conflict markers in files with sops metadata.
//
// Directories named .git are not entered. Problems reading a path or a .sops.yaml are
// returned joined, with the findings of everything else.
func Scan(ctx context.Context, fsys fs.FS, paths ...string) (*Result, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	s := &scanner{fsys: fsys, res: &Result{}, configs: map[string]*Config{}, done: map[string]bool{}, encChecked: map[string]bool{}}
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
	var refs []ValueFileRef
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := s.file(f, nil)
		refs = append(refs, r...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	// secrets:// files, also those outside paths: each must be encrypted.
	for _, ref := range refs {
		if ref.Path == "" {
			continue
		}
		if _, err := fs.Stat(fsys, ref.Path); err != nil {
			continue // in another repository or not written yet: nothing to check here
		}
		if _, err := s.file(ref.Path, &ref); err != nil {
			errs = append(errs, err)
		}
	}
	s.res.Findings = SortFindings(s.res.Findings)
	if s.res.Findings == nil {
		s.res.Findings = []Finding{}
	}
	return s.res, errors.Join(errs...)
}

type scanner struct {
	fsys    fs.FS
	res     *Result
	configs map[string]*Config // by directory of the file; nil when none
	done    map[string]bool
	// encChecked are the files whose encryption was already checked.
	encChecked map[string]bool
}

func (s *scanner) config(file string) (*Config, error) {
	dir := path.Dir(file)
	if c, ok := s.configs[dir]; ok {
		return c, nil
	}
	c, err := FindConfig(s.fsys, file)
	if err != nil {
		return nil, err
	}
	s.configs[dir] = c
	return c, nil
}

// file checks one file; ref is set when it is checked because an Application references it.
// It returns the secrets:// references the file holds.
func (s *scanner) file(name string, ref *ValueFileRef) ([]ValueFileRef, error) {
	if ref == nil {
		if s.done[name] {
			return nil, nil
		}
		s.done[name] = true
	}
	info, err := fs.Stat(s.fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		// A FIFO or device: reading it could block, and git stores no such content.
		s.res.Skipped++
		return nil, nil
	}
	if info.Size() > MaxFileSize {
		s.res.Findings = append(s.res.Findings, Finding{
			Check: CheckTooLarge, File: name, Line: 1,
			Message:     fmt.Sprintf("%d bytes, over the %d MiB the scan reads: it was not checked for secrets", info.Size(), MaxFileSize>>20),
			Remediation: "keep large files out of the repository, or split this one into files under the limit",
		})
		return nil, nil
	}
	data, err := fs.ReadFile(s.fsys, name)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		s.res.Skipped++
		return nil, nil
	}
	add := func(fs ...Finding) { s.res.Findings = append(s.res.Findings, fs...) }
	if ref != nil {
		if s.encChecked[name] {
			return nil, nil
		}
		s.encChecked[name] = true
		// Only the encryption of a referenced file is checked here; the rest was checked
		// when (and if) it was scanned itself.
		st := CheckEncryption(name, data, nil)
		if c, err := s.config(name); err == nil && c != nil {
			if r := c.RuleFor(name); r != nil {
				st = CheckEncryption(name, data, r)
			}
		}
		for _, f := range st.Findings {
			if st.Encryption != Encrypted {
				f.Message += fmt.Sprintf(" (referenced as %s by Application %s at %s:%d)", ref.Ref, ref.Application, ref.File, ref.Line)
			}
			add(f)
		}
		return nil, nil
	}
	s.res.Files++
	add(PrivateKeys(name, data)...)
	base := path.Base(name)
	if base == ConfigFileName {
		return nil, nil
	}
	format := FormatFor(name)
	enc := DetectEncryption(data)
	if enc != Plaintext {
		add(ConflictMarkers(name, data)...)
	}
	c, err := s.config(name)
	if err != nil {
		return nil, err
	}
	var rule *Rule
	if c != nil {
		rule = c.RuleFor(name)
	}
	mustEncrypt := rule != nil && rule.PathRegex != "" ||
		c != nil && conventionalSecretsRE.MatchString(base) &&
			!slices.Contains(strings.Split(path.Dir(name), "/"), "templates") && !isManifest(data)
	if mustEncrypt || enc != Plaintext {
		s.encChecked[name] = true
		add(CheckEncryption(name, data, rule).Findings...)
	}
	if format == FormatYAML || format == FormatJSON {
		add(PlaintextSecrets(name, data)...)
		return SecretsValueFiles(name, data), nil
	}
	return nil, nil
}

// isManifest says whether data is a Kubernetes manifest (apiVersion and kind at the top)
// rather than a Helm values file.
func isManifest(data []byte) bool {
	docs, _ := documents(data)
	return len(docs) > 0 && scalar(docs[0], "apiVersion") != "" && scalar(docs[0], "kind") != ""
}
