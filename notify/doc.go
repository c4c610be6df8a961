// Package notify reads, checks, edits and tests the Argo CD notifications configuration.
package notify

import _ "github.com/argoproj/notifications-engine/pkg/api"
