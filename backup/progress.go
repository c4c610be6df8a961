package backup

// Progress is how long operations report how far they are. Implementations must be safe
// for concurrent use; the CLI draws a line on a terminal, embedders may log or ignore.
type Progress interface {
	// Update reports done of total objects in a phase ("export", "verify", "restore",
	// "prune"); total is -1 while unknown.
	Update(phase string, done, total int)
}

type noProgress struct{}

func (noProgress) Update(string, int, int) {}

func progressOr(p Progress) Progress {
	if p == nil {
		return noProgress{}
	}
	return p
}
