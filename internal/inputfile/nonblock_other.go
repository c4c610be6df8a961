//go:build !unix

package inputfile

const oNonblock = 0
