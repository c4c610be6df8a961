package bytesize_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ck8sargo/ck8sargo/internal/bytesize"
)

func TestSizesAreWrittenInBinaryUnits(t *testing.T) {
	tests := []struct {
		n    int64
		unit string
		want string
	}{
		{0, "B", "0 B"},
		{1023, "bytes", "1023 bytes"},
		{1024, "B", "1.0 KiB"},
		{1536, "B", "1.5 KiB"},
		{4 << 20, "B", "4.0 MiB"},
		{5 << 30, "B", "5120.0 MiB"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, bytesize.Format(tt.n, tt.unit), "%d", tt.n)
	}
}

func ExampleFormat() {
	fmt.Println(bytesize.Format(3<<19, "B"))
	// Output: 1.5 MiB
}
