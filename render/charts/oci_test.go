package charts_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/render/charts"
)

func TestChartFromOCIRegistryPushedByHelm(t *testing.T) {
	reg := newOCIRegistry(t, "", "")
	for _, v := range []string{"0.9.0", "1.0.0", "1.1.0", "1.2.0-beta.1"} {
		reg.push(t, "", "", "web", v)
	}

	tests := []struct {
		name, repo, version, want string
		notFound                  bool
	}{
		{name: "oci scheme, exact tag", repo: "oci://" + reg.host + "/charts", version: "1.0.0", want: "1.0.0"},
		{name: "scheme-less form as Argo CD's enableOCI", repo: reg.host + "/charts", version: "0.9.0", want: "0.9.0"},
		{name: "semver range over the tag list", repo: "oci://" + reg.host + "/charts", version: "^1.0.0", want: "1.1.0"},
		{name: "range asking for prereleases", repo: "oci://" + reg.host + "/charts/", version: ">=1.2.0-0", want: "1.2.0-beta.1"},
		{name: "newest release", repo: reg.host + "/charts", version: "", want: "1.1.0"},
		{name: "missing tag", repo: "oci://" + reg.host + "/charts", version: "3.0.0", notFound: true},
		{name: "range matching no tag", repo: "oci://" + reg.host + "/charts", version: "~5.0", notFound: true},
	}
	f := newFetcher(t, charts.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := f.Chart(context.Background(), tt.repo, "web", tt.version)
			if tt.notFound {
				var nf *charts.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Contains(t, err.Error(), reg.host)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "web", c.Name())
			assert.Equal(t, tt.want, c.Metadata.Version)
		})
	}

	t.Run("unknown chart repository", func(t *testing.T) {
		_, err := f.Chart(context.Background(), "oci://"+reg.host+"/charts", "nope", "^1")
		var nf *charts.NotFoundError
		require.ErrorAs(t, err, &nf)
	})

	t.Run("a cached OCI chart costs no network", func(t *testing.T) {
		before := reg.requests.Load()
		c, err := f.Chart(context.Background(), "oci://"+reg.host+"/charts", "web", "1.0.0")
		require.NoError(t, err)
		assert.Equal(t, "1.0.0", c.Metadata.Version)
		_, err = f.Chart(context.Background(), "oci://"+reg.host+"/charts", "web", "^1.0.0")
		require.NoError(t, err)
		assert.Equal(t, before, reg.requests.Load())
	})
}

func TestChartFromPrivateOCIRegistry(t *testing.T) {
	reg := newOCIRegistry(t, "robot", "registry-pass")
	reg.push(t, "robot", "registry-pass", "private", "1.0.0")

	tests := []struct {
		name  string
		creds []charts.Credential
		ok    bool
	}{
		{name: "no credentials", ok: false},
		{name: "wrong password", creds: []charts.Credential{{URL: "oci://" + reg.host, Username: "robot", Password: "nope"}}, ok: false},
		{name: "registry-wide credential", creds: []charts.Credential{{URL: "oci://" + reg.host, Username: "robot", Password: "registry-pass"}}, ok: true},
		{name: "Argo CD scheme-less repository URL", creds: []charts.Credential{{URL: reg.host + "/charts", Username: "robot", Password: "registry-pass"}}, ok: true},
		{name: "longest prefix wins", creds: []charts.Credential{
			{URL: "oci://" + reg.host, Username: "robot", Password: "nope"},
			{URL: "oci://" + reg.host + "/charts", Username: "robot", Password: "registry-pass"},
		}, ok: true},
		{name: "prefix only at a path boundary", creds: []charts.Credential{{URL: "oci://" + reg.host + "/char", Username: "robot", Password: "registry-pass"}}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(t, charts.Options{Credentials: tt.creds})
			c, err := f.Chart(context.Background(), "oci://"+reg.host+"/charts", "private", "^1")
			if !tt.ok {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "401")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "1.0.0", c.Metadata.Version)
		})
	}
}
