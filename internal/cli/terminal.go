package cli

import (
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// isTerminal says whether a stream is a terminal: progress lines and questions are for
// people, not for pipes and CI logs.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readYes reads one answer line and says whether it was y or yes. It reads a byte at a
// time so that nothing after the line is taken from the input.
func readYes(in io.Reader) (bool, error) {
	var line []byte
	buf := make([]byte, 1)
	for {
		n, err := in.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			line = append(line, buf[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, err
		}
	}
	a := strings.ToLower(strings.TrimSpace(string(line)))
	return a == "y" || a == "yes", nil
}
