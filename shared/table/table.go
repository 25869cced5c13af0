// Package table lays out rows of text in aligned columns, for the CLI's
// reports and the demo's grid.
package table

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Write prints rows as columns two spaces apart, each line starting with
// indent. align[i] is 'r' to right-align column i; any other letter, or none,
// left-aligns it. A left-aligned last column is not padded.
func Write(w io.Writer, indent, align string, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.WriteString(indent)
		for i, cell := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case i < len(align) && align[i] == 'r':
				b.WriteString(pad + cell)
			case i == len(row)-1:
				b.WriteString(cell)
			default:
				b.WriteString(cell + pad)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
