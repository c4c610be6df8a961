// Package ci holds CI jobs that post `kubectl ck8sargo diff` on a pull request: a GitHub
// Actions workflow (github-render-diff.yml) and a GitLab CI job (gitlab-render-diff.yml).
// Its test runs their commands on a test repository, against a loopback HTTP server in
// place of the GitHub and GitLab APIs.
package ci
