package bytesize

import "fmt"

// Format is n bytes in binary units with one decimal from a KiB up ("1.5 KiB", "12.0 MiB"),
// and below a KiB in whole bytes followed by unit ("512 B", "512 bytes"): tables use the
// short unit, sentences the word.
func Format(n int64, unit string) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d %s", n, unit)
}
